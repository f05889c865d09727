"""Labs: one module per lab, found by the name a lesson file gives.

Modules are imported only when a lab is opened or one of its quiz questions is drawn,
so listing and checking lessons stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

from .base import Action, Control, ControlError, GeneratedQuestion, Lab, Status

LABS = {
    "mp_neuron": "dltui.labs.mp_neuron:MPNeuronLab",
    "perceptron": "dltui.labs.perceptron:PerceptronLab",
    "mlp": "dltui.labs.mlp:MLPLab",
    "activations": "dltui.labs.activations:ActivationsLab",
    "softmax": "dltui.labs.softmax:SoftmaxLab",
    "convolution": "dltui.labs.convolution:ConvolutionLab",
    "pooling": "dltui.labs.pooling:PoolingLab",
    "lenet": "dltui.labs.lenet:LeNetLab",
    "draw_digit": "dltui.labs.draw_digit:DrawDigitLab",
    "architectures": "dltui.labs.architectures:ArchitecturesLab",
    "rnn": "dltui.labs.rnn:RNNLab",
    "lstm": "dltui.labs.lstm:LSTMLab",
    "gru": "dltui.labs.gru:GRULab",
    "char_lm": "dltui.labs.char_lm:CharLMLab",
    "gan": "dltui.labs.gan:GanLab",
    "attention": "dltui.labs.attention:AttentionLab",
    "multihead": "dltui.labs.multihead:MultiheadLab",
    "transformer": "dltui.labs.transformer:TransformerLab",
    "regularization": "dltui.labs.regularization:RegularizationLab",
    "optimizers": "dltui.labs.optimizers:OptimizersLab",
    "regression": "dltui.labs.regression:RegressionLab",
    "normalization": "dltui.labs.normalization:NormalizationLab",
    "dcgan": "dltui.labs.dcgan:DcganLab",
    "hopfield": "dltui.labs.hopfield:HopfieldLab",
    "autoencoder": "dltui.labs.autoencoder:AutoencoderLab",
    "rbm": "dltui.labs.rbm:RbmLab",
    "recursive": "dltui.labs.recursive:RecursiveLab",
    "word2vec": "dltui.labs.word2vec:Word2VecLab",
    "pretrain": "dltui.labs.pretrain:PretrainLab",
    "seq2seq": "dltui.labs.seq2seq:Seq2SeqLab",
    "zoo": "dltui.labs.zoo:ZooLab",
}

QUESTION_GENERATORS = {
    "mp_neuron.output": "dltui.labs.mp_neuron:output_question",
    "mp_neuron.gate": "dltui.labs.mp_neuron:gate_question",
    "perceptron.update": "dltui.labs.perceptron:update_question",
    "mlp.output_delta": "dltui.labs.mlp:output_delta_question",
    "activations.derivative": "dltui.labs.activations:derivative_question",
    "softmax.probability": "dltui.labs.softmax:probability_question",
    "softmax.gradient": "dltui.labs.softmax:gradient_question",
    "convolution.cell": "dltui.labs.convolution:cell_question",
    "convolution.size": "dltui.labs.convolution:size_question",
    "pooling.cell": "dltui.labs.pooling:cell_question",
    "pooling.params": "dltui.labs.pooling:params_question",
    "architectures.layer": "dltui.labs.architectures:layer_question",
    "lenet.shape": "dltui.labs.lenet:shape_question",
    "draw_digit.pixel": "dltui.labs.draw_digit:pixel_question",
    "rnn.next_hidden": "dltui.labs.rnn:next_hidden_question",
    "rnn.bptt": "dltui.labs.rnn:bptt_question",
    "lstm.cell": "dltui.labs.lstm:cell_question",
    "gru.cell": "dltui.labs.gru:cell_question",
    "char_lm.temperature": "dltui.labs.char_lm:temperature_question",
    "gan.value": "dltui.labs.gan:value_question",
    "gan.g_grad": "dltui.labs.gan:grad_question",
    "attention.weight": "dltui.labs.attention:weight_question",
    "attention.output": "dltui.labs.attention:output_question",
    "multihead.encoding": "dltui.labs.multihead:encoding_question",
    "multihead.params": "dltui.labs.multihead:params_question",
    "transformer.params": "dltui.labs.transformer:params_question",
    "regularization.dropout": "dltui.labs.regularization:dropout_question",
    "regularization.decay": "dltui.labs.regularization:decay_question",
    "optimizers.momentum": "dltui.labs.optimizers:momentum_question",
    "optimizers.adam": "dltui.labs.optimizers:adam_question",
    "regression.step": "dltui.labs.regression:step_question",
    "regression.slope": "dltui.labs.regression:slope_question",
    "regression.mse": "dltui.labs.regression:mse_question",
    "normalization.batch_norm": "dltui.labs.normalization:bn_question",
    "normalization.xavier": "dltui.labs.normalization:xavier_question",
    "dcgan.size": "dltui.labs.dcgan:size_question",
    "dcgan.params": "dltui.labs.dcgan:params_question",
    "hopfield.update": "dltui.labs.hopfield:update_question",
    "hopfield.energy": "dltui.labs.hopfield:energy_question",
    "hopfield.field": "dltui.labs.hopfield:field_question",
    "autoencoder.kl": "dltui.labs.autoencoder:kl_question",
    "autoencoder.reparameterize": "dltui.labs.autoencoder:reparameterize_question",
    "autoencoder.sparsity": "dltui.labs.autoencoder:sparsity_question",
    "rbm.hidden": "dltui.labs.rbm:hidden_question",
    "rbm.energy": "dltui.labs.rbm:energy_question",
    "rbm.cd_update": "dltui.labs.rbm:cd_question",
    "pretrain.lora": "dltui.labs.pretrain:lora_question",
    "pretrain.masking": "dltui.labs.pretrain:masking_question",
    "pretrain.causal": "dltui.labs.pretrain:causal_question",
    "zoo.rbf": "dltui.labs.zoo:rbf_question",
    "zoo.transposed_size": "dltui.labs.zoo:size_question",
    "zoo.som_update": "dltui.labs.zoo:som_question",
    "recursive.dense": "dltui.labs.recursive:dense_question",
    "recursive.separable": "dltui.labs.recursive:separable_question",
    "recursive.compose": "dltui.labs.recursive:compose_question",
    "word2vec.gradient": "dltui.labs.word2vec:gradient_question",
    "word2vec.keep": "dltui.labs.word2vec:keep_question",
    "word2vec.params": "dltui.labs.word2vec:params_question",
    "seq2seq.mask": "dltui.labs.seq2seq:mask_question",
    "seq2seq.cross_shape": "dltui.labs.seq2seq:cross_question",
    "seq2seq.params": "dltui.labs.seq2seq:params_question",
}


def _load(reference: str) -> Any:
    module, _, attr = reference.partition(":")
    return getattr(import_module(module), attr)


def lab_class(name: str) -> type[Lab]:
    """The Lab subclass registered as `name`; KeyError if there is none."""
    return _load(LABS[name])


def question_generator(name: str) -> Callable[..., GeneratedQuestion]:
    """The generator registered as `name`: `(rng, lang="en") -> GeneratedQuestion`; KeyError if none."""
    return _load(QUESTION_GENERATORS[name])


__all__ = ["LABS", "QUESTION_GENERATORS", "Action", "Control", "ControlError", "GeneratedQuestion", "Lab", "Status",
           "lab_class", "question_generator"]
