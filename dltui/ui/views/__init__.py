"""One view per lab, found by the lab's registered name; imported only when a lesson opens.

A view is a widget with `show(snapshot)`, and two class attributes the lesson screen and the tests
read: `ESSENTIAL`, selectors of the widgets that must be whole on screen on its first page at 80×24,
and `SHOWS`, action name → selector of the view's section (a direct child) where that action's result
appears, so the screen can turn to its page (tests/ui/test_fit.py holds every view to both).
"""

from __future__ import annotations

from importlib import import_module

from textual.widget import Widget

VIEWS = {
    "mp_neuron": "dltui.ui.views.mp_neuron:MPNeuronView",
    "perceptron": "dltui.ui.views.perceptron:PerceptronView",
    "mlp": "dltui.ui.views.mlp:MLPView",
    "activations": "dltui.ui.views.activations:ActivationsView",
    "softmax": "dltui.ui.views.softmax:SoftmaxView",
    "convolution": "dltui.ui.views.convolution:ConvolutionView",
    "pooling": "dltui.ui.views.pooling:PoolingView",
    "lenet": "dltui.ui.views.lenet:LeNetView",
    "draw_digit": "dltui.ui.views.draw_digit:DrawDigitView",
    "architectures": "dltui.ui.views.architectures:ArchitecturesView",
    "gan": "dltui.ui.views.gan:GanView",
    "attention": "dltui.ui.views.attention:AttentionView",
    "multihead": "dltui.ui.views.multihead:MultiheadView",
    "transformer": "dltui.ui.views.transformer:TransformerView",
    "rnn": "dltui.ui.views.rnn:RNNView",
    "lstm": "dltui.ui.views.lstm:LSTMView",
    "gru": "dltui.ui.views.lstm:GRUView",  # the same race as the LSTM's
    "char_lm": "dltui.ui.views.char_lm:CharLMView",
    "regularization": "dltui.ui.views.regularization:RegularizationView",
    "optimizers": "dltui.ui.views.optimizers:OptimizersView",
    "regression": "dltui.ui.views.regression:RegressionView",
    "normalization": "dltui.ui.views.normalization:NormalizationView",
    "dcgan": "dltui.ui.views.dcgan:DcganView",
    "hopfield": "dltui.ui.views.hopfield:HopfieldView",
    "autoencoder": "dltui.ui.views.autoencoder:AutoencoderView",
    "rbm": "dltui.ui.views.rbm:RbmView",
    "recursive": "dltui.ui.views.recursive:RecursiveView",
    "word2vec": "dltui.ui.views.word2vec:Word2VecView",
    "pretrain": "dltui.ui.views.pretrain:PretrainView",
    "seq2seq": "dltui.ui.views.seq2seq:Seq2SeqView",
    "zoo": "dltui.ui.views.zoo:ZooView",
}


def view_class(lab_name: str) -> type[Widget]:
    """The widget class that draws snapshots of `lab_name`; it has a `show(snapshot)` method."""
    if lab_name not in VIEWS:
        raise LookupError(f"the {lab_name!r} lab has no view in this version of dltui")
    module, _, attr = VIEWS[lab_name].partition(":")
    return getattr(import_module(module), attr)
