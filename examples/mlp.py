"""A 2-4-1 multilayer perceptron learns XOR, written as in PyTorch.

    dltui debug examples/mlp.py            # the debugger on the last training step
    dltui debug examples/mlp.py --step 1   # ... on the first
"""

import numpy as np

from dltui.engine import Tensor, manual_seed, nn, optim
from dltui.engine import functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 4)
        self.out = nn.Linear(4, 1)

    def forward(self, x):
        return self.out(F.tanh(self.hidden(x)))


manual_seed(0)
model = MLP()
optimizer = optim.SGD(model.parameters(), lr=0.5)
x = Tensor(np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]))
y = Tensor(np.array([[0.0], [1.0], [1.0], [0.0]]))

for step in range(200):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(x), y)
    loss.backward()
    optimizer.step()
    if step % 50 == 0:
        print(f"step {step:3d}  loss {loss.item():.4f}")
