"""Hot kernels behind one table, so ops never care which backend computes them.

    from dltui.engine.kernels import active
    y = active().conv2d_forward(x, w, b, stride, padding)

``reference`` (NumPy) defines every kernel and is the ``numpy`` backend; ``cpu`` (numba) and
``cuda`` (numba.cuda) implement the same names. Importing this package never imports numba; see
``dltui.engine.backend`` for how the backend is chosen and warmed up.
"""

from dltui.engine.backend import (
    BACKENDS,
    BackendNotice,
    active,
    backend_name,
    is_ready,
    notice,
    set_backend,
    start_warmup,
    warmup,
)

#: Every kernel each backend provides (cuda provides a subset, for arrays in GPU memory).
KERNELS = (
    "conv2d_forward",
    "conv2d_backward",
    "conv_transpose2d_forward",
    "conv_transpose2d_backward",
    "max_pool2d_forward",
    "max_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool2d_backward",
    "relu_forward",
    "relu_backward",
    "leaky_relu_forward",
    "leaky_relu_backward",
    "elu_forward",
    "elu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "cross_entropy_forward",
    "cross_entropy_backward",
    "softmax_forward",
    "softmax_backward",
    "layer_norm_forward",
    "layer_norm_backward",
    "lstm_gates_forward",
    "lstm_gates_backward",
    "gru_gates_forward",
    "gru_gates_backward",
    "mlp_sgd",
    "adam_step",
    "sgd_momentum_step",
)

__all__ = [
    "BACKENDS",
    "KERNELS",
    "BackendNotice",
    "active",
    "backend_name",
    "is_ready",
    "notice",
    "set_backend",
    "start_warmup",
    "warmup",
]
