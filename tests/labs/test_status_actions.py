"""Status texts name actions, not keys: "Press {step} …". The lesson screen puts the key bound to each
{name} in its place, so every name must be one of the lab's own actions or one of the screen's."""

import ast
import inspect
import re
import textwrap

import pytest

from dltui.labs import LABS, Lab, lab_class

SCREEN_ACTIONS = {"run", "reset", "debugger", "quiz"}
NAME = re.compile(r"\{(\w+)\}")
KEY_HINT = re.compile(r"\b[Pp]ress [a-z]\b")  # the old way: "Press s to …"


def known(lab: type[Lab]) -> set[str]:
    return {action.name for action in lab.actions} | SCREEN_ACTIONS


def status_strings(lab: type[Lab]) -> list[tuple[str, set[str]]]:
    """The literal text of every method that builds a Status, in the lab class and its lab base classes (an
    f-string's {{name}} reads here as {name}, as it will on screen), each with the fields the method fills at once
    (a translated template's `{epoch}`, given to `.format` or gathered in a dict first): what is left is for the
    screen to fill."""
    texts = []
    for cls in lab.__mro__:
        if cls.__module__.startswith("dltui.labs.") and cls is not Lab:
            for function in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(cls)))):
                if isinstance(function, ast.FunctionDef) and any(
                        isinstance(call, ast.Call) and getattr(call.func, "id", "") == "Status" for call in ast.walk(function)):
                    filled = {keyword.arg for call in ast.walk(function) if isinstance(call, ast.Call)  # .format(x=…), dict(x=…)
                              and getattr(call.func, "attr", getattr(call.func, "id", "")) in ("format", "dict")
                              for keyword in call.keywords}
                    filled |= {key.value for node in ast.walk(function) if isinstance(node, ast.Dict)  # {"x": …}
                               for key in node.keys if isinstance(key, ast.Constant)}
                    texts += [(node.value, filled) for node in ast.walk(function)
                              if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    return texts


@pytest.mark.parametrize("name", sorted(LABS))
def test_status_texts_name_known_actions_and_no_keys(name):
    lab = lab_class(name)
    assert not {action.name for action in lab.actions} & SCREEN_ACTIONS, "a lab action would shadow a screen action"
    texts = status_strings(lab)
    assert texts, "the lab's status texts were found"
    for text, filled in texts:
        assert set(NAME.findall(text)) - filled <= known(lab), text
        assert not KEY_HINT.search(text), text


@pytest.mark.parametrize("name", ["perceptron", "convolution", "pooling", "architectures", "rnn", "attention",
                                  "multihead", "gan", "mlp", "draw_digit"])
def test_the_statuses_a_lab_reaches_name_known_actions(name):
    """The built texts too, as a lab opens and after each of its actions once."""
    lab = lab_class(name)()
    statuses = [lab.snapshot().status.text] + [lab.perform(action.name).status.text for action in lab.actions
                                               if not action.background]
    assert any(NAME.search(text) for text in statuses)
    for text in statuses:
        assert set(NAME.findall(text)) <= known(type(lab)), text
