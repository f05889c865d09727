"""Divergence is a state the learner sees. Every training lab stops at the first update whose loss breaks the shared
rule (not finite, or a hundred times its first loss), says so as an error naming that update and loss, does nothing
more until it restarts, and ends the runner's free run; at its default settings it never says so."""

import math
import re
import time

import numpy as np
import pytest

from dltui.labs import lab_class
from dltui.labs.base import EXPLODED, exploded
from dltui.labs.runner import LabRunner
from dltui.lessons import find_lesson, load_lessons
from dltui.numbers import fixed

COUNTERS = {  # what moves when a lab trains, as the learner reads it
    "mlp": lambda s: s.updates, "lenet": lambda s: s.step, "gan": lambda s: (s.d_updates, s.g_updates),
    "rnn": lambda s: s.updates, "lstm": lambda s: s.batches, "gru": lambda s: s.batches,
    "char_lm": lambda s: s.batches, "transformer": lambda s: s.steps, "architectures": lambda s: s.step,
}


def free_run(lab, seconds=30.0):
    """The runner's free run, as `r` starts it; returns its last snapshot once it has stopped by itself."""
    runner = LabRunner(lab)
    runner.perform(lab.run_action, repeat=True)
    deadline = time.monotonic() + seconds
    while runner.busy and time.monotonic() < deadline:
        time.sleep(0.01)
    stopped = not runner.busy
    runner.close()
    assert stopped, "the free run went on"
    return runner.latest


def assert_stays_diverged(name, lab, snapshot):
    """Every action but a comparison of fresh runs does nothing to a diverged lab."""
    for action in lab.actions:
        if not action.fresh:
            after = lab.perform(action.name)
            assert COUNTERS[name](after) == COUNTERS[name](snapshot), action.name
            assert after.status == snapshot.status


# The largest learning rate of each lab whose settings can blow up, and the most updates it may take to say so.
BLOW_UPS = [
    ("mlp", dict(lr=100), "epoch", 2),  # sigmoid outputs pinned at 0 or 1, the loss above its start
    ("lenet", dict(lr=0.1, activation="relu"), "batch", 5),
    ("gan", dict(g_lr=1.0, d_lr=1.0), "round", 5),
    ("rnn", dict(lr=1.0), "update", 20),
    ("rnn", dict(lr=1.0, activation="relu", scale=3.0), "update", 3),
]


@pytest.mark.parametrize("name, params, unit, bound", BLOW_UPS, ids=[f"{b[0]}-{i}" for i, b in enumerate(BLOW_UPS)])
def test_the_largest_learning_rate_diverges_stops_the_run_and_says_where(name, params, unit, bound):
    assert params.get("lr", params.get("g_lr")) == lab_class(name).control("lr" if "lr" in params else "g_lr").high
    lab = lab_class(name)(**params)
    snapshot = free_run(lab)
    assert lab.diverged and snapshot.diverged and snapshot.status.kind == "error"
    at = int(re.match(rf"Diverged at {unit} (\d+)", snapshot.status.text).group(1))
    assert 1 <= at <= bound
    if name != "mlp":  # the MLP's bounded loss diverges by saturating: its status says so in its own words
        d = lab.divergence
        assert (d.at, d.unit) == (at, unit) and f"{d.what} {fixed(d.value)}" in snapshot.status.text
        assert exploded(d.value, lab.first_loss[""])
    assert_stays_diverged(name, lab, snapshot)
    again = lab.reset(seed=1)  # a changed setting starts over, no longer diverged
    assert not lab.diverged and not again.diverged and again.status.kind != "error"


def test_lesson_11s_exploding_relu_reports_that_it_diverged():
    """Quiz Q5: T = 20, relu, ρ = 1.5, clip 0, `r`: "the lab reports that it diverged" (the loss leaps from 8·10⁴ to
    4·10⁶⁵); with clip 1 the same run stays finite."""
    lesson = find_lesson(load_lessons()[0], "rnn")
    params = {**lesson.params, "seq_len": 20, "activation": "relu", "scale": 1.5}
    lab = lab_class("rnn")(**{**params, "clip": 0.0})
    snapshot = free_run(lab)
    assert snapshot.status.text.startswith("Diverged at update 2: loss 3.76e+65.")
    assert "turn on clipping" in snapshot.status.text
    assert snapshot.updates == 2 < params["max_updates"]
    said = next(q for q in lesson.quiz if q.id == "relu-explodes").explanation  # the numbers the lesson quotes
    assert f"from about {power(snapshot.losses[0])} to {power(snapshot.losses[1])} at update 2" in said
    clipped = free_run(lab_class("rnn")(**{**params, "clip": 1.0, "max_updates": 60}))
    assert not clipped.diverged and clipped.updates == 60 and np.isfinite(clipped.losses).all()


def power(value: float) -> str:
    """A number as a lesson writes it to one figure: 8·10⁴."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}·10{str(int(exponent)).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))}"


def throw_readout(lab, name):
    """Multiply the readout's weights by 10⁴, as one runaway update leaves them: the next loss is thousands of nats.
    No learning rate these Adam-trained labs offer blows up (Adam's step is about the learning rate, whatever the
    gradient), so the blow-up is made by hand."""
    head = {"lstm": lambda: lab.runners[0].model.head, "gru": lambda: lab.runners[1].model.head,
            "char_lm": lambda: lab.head, "transformer": lambda: lab.model.head,
            "architectures": lambda: lab.nets["residual"].last}[name]()
    head.weight.data = head.weight.data * 1e4


THROWN = [("lstm", "RNN diverged at batch 2"), ("gru", "LSTM diverged at batch 2"),
          ("char_lm", "Diverged at batch 2"), ("transformer", "Diverged at batch 2"),
          ("architectures", "The residual net diverged at step 2")]


@pytest.mark.parametrize("name, said", THROWN)
def test_a_loss_thrown_past_the_rule_stops_every_other_lab(name, said):
    lab = lab_class(name)(**({"hidden": 16, "seq_len": 8} if name == "char_lm" else {}))
    lab.perform("step")
    throw_readout(lab, name)
    snapshot = free_run(lab)
    assert lab.diverged and snapshot.diverged and snapshot.status.kind == "error"
    assert snapshot.status.text.startswith(said) and lab.divergence.value > EXPLODED * max(lab.first_loss.values())
    assert_stays_diverged(name, lab, snapshot)


DEFAULTS = [("mlp", "train", 40), ("lenet", "step", 6), ("gan", "train", 4), ("rnn", "train", 30),
            ("lstm", "epoch", 1), ("gru", "epoch", 1), ("char_lm", "step", 6), ("transformer", "epoch", 1),
            ("architectures", "step", 8)]


@pytest.mark.parametrize("name, action, times", DEFAULTS)
def test_default_settings_do_not_diverge(name, action, times):
    lab = lab_class(name)()
    for _ in range(times):
        snapshot = lab.perform(action)
    assert COUNTERS[name](snapshot) != COUNTERS[name](lab_class(name)().snapshot())  # it trained
    assert not lab.diverged and not snapshot.diverged and snapshot.status.kind != "error"


def test_the_rule_measures_against_the_first_loss_or_one():
    assert not exploded(99.0, 0.25) and exploded(101.0, 0.25)  # a first loss under 1 counts as 1
    assert not exploded(230.0, 2.303) and exploded(231.0, 2.303)  # ten classes: 100 × ln 10
    assert exploded(math.inf, 1.0) and exploded(math.nan, 1.0) and exploded(-1e3, 1.0)


@pytest.mark.parametrize("value, shown", [
    (0.2547, "0.255"), (-12.5, "−12.500"), (3.26e42, "3.26e+42"), (-1.2e150, "−1.20e+150"), (4e-5, "4.00e−05"),
    (0.0, "0.000"), (math.inf, "∞"), (-math.inf, "−∞"), (math.nan, "NaN"),
])
def test_model_numbers_switch_to_scientific_notation_where_decimals_would_mislead(value, shown):
    assert fixed(value) == shown
    assert len(fixed(-1.2e150)) < 12  # a GAN's V(D, G) at the largest learning rates, once 150 digits wide


def test_transformer_advice_follows_the_learning_rate():
    """At its largest learning rate the transformer does not blow up (layer norm and Adam bound it): it stalls, and the
    advice is to lower the rate, never to raise it."""
    high = lab_class("transformer")(lr=0.1, max_epochs=1)
    snapshot = free_run(high)
    assert snapshot.status.kind == "warning" and not snapshot.diverged
    assert "Try a smaller one" in snapshot.status.text and "larger learning rate" not in snapshot.status.text
    low = free_run(lab_class("transformer")(lr=0.001, max_epochs=1))
    assert "Try a larger learning rate" in low.status.text
