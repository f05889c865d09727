"""An LSTM reads a sequence of numbers and predicts their sum (a many-to-one regression).

    dltui debug examples/lstm.py     # each time step is one fused lstm_cell: e expands it into its gates
"""

import numpy as np

from dltui.engine import Tensor, manual_seed, nn, optim
from dltui.engine import functional as F


class SumReader(nn.Module):
    def __init__(self, hidden=6):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.head(h[0])


manual_seed(0)
rng = np.random.default_rng(0)
model = SumReader()
optimizer = optim.Adam(model.parameters(), lr=0.02)

for step in range(30):
    x = rng.uniform(-1, 1, (4, 5, 1))  # 4 sequences of 5 numbers
    target = x.sum(axis=1)
    optimizer.zero_grad()
    loss = F.mse_loss(model(Tensor(x)), Tensor(target))
    loss.backward()
    optimizer.step()
    if step % 10 == 0:
        print(f"step {step:2d}  loss {loss.item():.4f}")
