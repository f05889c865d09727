"""A small CNN tells which quadrant of an 8×8 image is bright: two conv blocks, then a linear layer.

    dltui debug examples/cnn.py      # then / to filter rows (e.g. layer2), m to fold a module's rows
"""

import numpy as np

from dltui.engine import Tensor, manual_seed, nn, optim
from dltui.engine import functional as F


class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return F.relu(self.pool(self.conv(x)))  # = pool(relu(·)), without ties at 0 for max to break


class CNN(nn.Module):
    def __init__(self, classes=4):
        super().__init__()
        self.layer1 = ConvBlock(1, 4)
        self.layer2 = ConvBlock(4, 8)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(8 * 2 * 2, classes)

    def forward(self, x):
        return self.fc(self.flatten(self.layer2(self.layer1(x))))


def batch(rng, size=8):
    """Noise, with one bright 4×4 quadrant per image; the label is the quadrant."""
    labels = rng.integers(0, 4, size)
    images = rng.normal(0.0, 1.0, (size, 1, 8, 8))
    for image, label in zip(images, labels):
        row, col = divmod(int(label), 2)
        image[0, 4 * row : 4 * row + 4, 4 * col : 4 * col + 4] += 0.5
    return Tensor(images), labels


manual_seed(0)
rng = np.random.default_rng(0)
model = CNN()
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

for step in range(20):
    images, labels = batch(rng)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    if step % 5 == 0:
        print(f"step {step:2d}  loss {loss.item():.4f}")
