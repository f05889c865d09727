"""Every op class; `Op` instances are the nodes on the tape."""

from .activations import ELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .attention import ScaledDotProductAttention, attention_bias, attention_chain
from .base import Expansion, Op, unbroadcast
from .basic import Add, Concat, Div, Exp, Index, Log, MatMul, Mean, Mul, Neg, Pad, Pow, Reshape, Stack, Sub, Sum, Transpose
from .layers import AvgPool2d, BatchNorm, Conv2d, ConvTranspose2d, Dropout, Embedding, LayerNorm, Linear, MaxPool2d
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .recurrent import GRUCell, LSTMCell, RNNCell

__all__ = [
    "Add", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm", "Concat", "Conv2d", "ConvTranspose2d",
    "CrossEntropyLoss", "Div", "ELU", "Embedding", "Exp", "Expansion", "GRUCell", "Index", "LSTMCell",
    "LayerNorm", "LeakyReLU", "Linear", "Log", "LogSoftmax", "MSELoss", "MatMul", "MaxPool2d", "Mean", "Mul",
    "Neg", "Op", "Pad", "Pow", "RNNCell", "ReLU", "Reshape", "ScaledDotProductAttention", "Sigmoid",
    "Softmax", "Stack", "Sub", "Sum", "Tanh", "Transpose", "Dropout", "attention_bias", "attention_chain", "unbroadcast",
]
