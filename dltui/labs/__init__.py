"""Labs: one module per lab, found by the name a lesson file gives.

Modules are imported only when a lab is opened, so listing lessons stays cheap.
"""

from __future__ import annotations

from importlib import import_module

from .base import Action, Control, ControlError, Lab, Status

LABS = {
    "mp_neuron": "dltui.labs.mp_neuron:MPNeuronLab",
    "perceptron": "dltui.labs.perceptron:PerceptronLab",
}


def lab_class(name: str) -> type[Lab]:
    """The Lab subclass registered as `name`; KeyError if there is none."""
    module, _, attr = LABS[name].partition(":")
    return getattr(import_module(module), attr)


__all__ = ["LABS", "Action", "Control", "ControlError", "Lab", "Status", "lab_class"]
