"""The engine's NumPy-level functions give exactly the numbers of the ops they stand beside."""

import numpy as np

from dltui.engine import Tensor
from dltui.engine import functional as F


def test_binary_cross_entropy_array_is_the_op_once_per_net():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=(3, 5, 1))
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0]).reshape(1, 5, 1)
    p[0, 0, 0], p[1, 1, 0] = 0.0, 1.0  # log 0 on the wrong side: clamped at −100, like the op (and PyTorch)
    per_net = F.binary_cross_entropy_array(p, y, axis=(1, 2))
    expected = [F.binary_cross_entropy(Tensor(p[s]), y[0]).item() for s in range(3)]
    np.testing.assert_allclose(per_net, expected, rtol=1e-15)
    assert per_net[0] > 100 / 5 and np.isfinite(per_net).all()
    assert F.binary_cross_entropy_array(p[2], y[0]) == F.binary_cross_entropy(Tensor(p[2]), y[0]).item()
