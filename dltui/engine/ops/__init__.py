"""Every op class; `Op` instances are the nodes on the tape."""

from .activations import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax,
                          Mish, ReLU, Sigmoid, SiLU, Softmax, Softplus, Softsign, Tanh)
from .attention import ScaledDotProductAttention, attention_bias, attention_chain
from .base import Expansion, Op, unbroadcast
from .elementwise import (Abs, Ceil, Clamp, Cos, Erf, Exp2, Floor, Log2, Log10, MaskedFill, Maximum, Minimum, PowTensor,
                          Remainder, Round, Rsqrt, Sign, Sin, Sqrt, Where)
from .basic import Add, Concat, Div, Exp, Index, Log, MatMul, Mean, Mul, Neg, Pad, Pow, Reshape, Stack, Sub, Sum, Transpose
from .layers import (AdaptiveAvgPool2d, AvgPool2d, BatchNorm, Conv2d, ConvTranspose2d, Dropout, Embedding, Interpolate,
                     LayerNorm, Linear, MaxPool2d, PadNd)
from .losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss,
                     check_reduction)
from .recurrent import GRUCell, LSTMCell, RNNCell
from .reductions import (CumProd, CumSum, Gather, LogSumExp, Max, MaxAlong, Min, MinAlong, Norm, Prod, Sort, Std, TopK,
                         Var)
from .shape import Einsum, Expand, Flip, Repeat, Roll, Scatter, Tril, Triu

__all__ = [
    "Add", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm", "Concat", "Conv2d", "ConvTranspose2d",
    "CrossEntropyLoss", "Div", "ELU", "Embedding", "Exp", "Expansion", "GRUCell", "Index", "LSTMCell",
    "LayerNorm", "LeakyReLU", "Linear", "Log", "LogSoftmax", "MSELoss", "MatMul", "MaxPool2d", "Mean", "Mul",
    "Neg", "Op", "Pad", "Pow", "RNNCell", "ReLU", "Reshape", "ScaledDotProductAttention", "Sigmoid",
    "Softmax", "Stack", "Sub", "Sum", "Tanh", "Transpose", "Dropout", "attention_bias", "attention_chain", "unbroadcast",
    # the PyTorch surface (issue 20)
    "Abs", "CELU", "Ceil", "Clamp", "Cos", "CumProd", "CumSum", "Einsum", "Erf", "Exp2", "Expand", "Flip", "Floor", "GELU",
    "Gather", "Hardsigmoid", "Hardswish", "Hardtanh", "Log10", "Log2", "LogSigmoid", "LogSumExp", "MaskedFill", "Max",
    "MaxAlong", "Maximum", "Min", "MinAlong", "Minimum", "Mish", "Norm", "PowTensor", "Prod", "Remainder", "Repeat", "Roll",
    "Round", "Rsqrt", "SELU", "SiLU", "Scatter", "Sign", "Sin", "Softplus", "Softsign", "Sort", "Sqrt", "Std", "TopK",
    "Tril", "Triu", "Var", "Where",
    "AdaptiveAvgPool2d", "HuberLoss", "Interpolate", "L1Loss", "NLLLoss", "PadNd", "SmoothL1Loss", "check_reduction",
]
