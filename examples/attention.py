"""One self-attention block (attention, residual, layer norm) learns to copy the first token to every position.

    dltui debug examples/attention.py   # a breakpoint() marks the step to open: the script goes on training
"""

import numpy as np

import dltui.engine
from dltui.engine import Tensor, manual_seed, nn, optim
from dltui.engine import functional as F


class AttentionBlock(nn.Module):
    def __init__(self, dim=8, heads=2):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        y, weights = self.attn(x, x, x)
        return self.norm(x + y)


manual_seed(0)
rng = np.random.default_rng(0)
block = AttentionBlock()
optimizer = optim.Adam(block.parameters(), lr=0.01)

for step in range(15):
    x = rng.normal(size=(2, 4, 8))  # 2 sequences of 4 tokens
    target = np.repeat(x[:, :1], 4, axis=1)
    optimizer.zero_grad()
    loss = F.mse_loss(block(Tensor(x)), Tensor(target))
    if step == 3:
        dltui.engine.breakpoint(loss)  # open the debugger on this step's pass, not the last one
    loss.backward()
    optimizer.step()
    if step % 5 == 0:
        print(f"step {step:2d}  loss {loss.item():.4f}")
