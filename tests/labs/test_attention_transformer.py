"""The tiny transformer learns to reverse digits with the default seed, its heads turn to the
anti-diagonal, and without positional encoding it provably cannot."""

import numpy as np
import pytest

from dltui.engine import recording
from dltui.labs import ControlError, lab_class
from dltui.labs.transformer import EPOCH_STEPS, TARGET, task_pattern

Transformer = lab_class("transformer")


def train(lab):
    snapshot = lab.snapshot()
    while not lab.finished:
        snapshot = lab.perform("epoch")
    return snapshot


@pytest.fixture(scope="module")
def trained():
    lab = Transformer()
    return lab, train(lab)


def test_default_run_reverses_held_out_sequences(trained):
    """The figure the lesson states: ≥ 99% of held-out sequences exactly reversed within 10 epochs
    (5 epochs, 99.8% with the default seed)."""
    _, s = trained
    assert s.solved and s.sequence_accuracy[-1] >= TARGET and s.token_accuracy[-1] > 0.99
    assert s.epoch <= 10 and s.steps == s.epoch * EPOCH_STEPS
    assert s.token_accuracy[0] < 0.2, "untrained it is near chance (10%)"
    assert len(s.losses) == s.steps and np.mean(s.losses[-5:]) < 0.2 < s.losses[0]
    assert s.status.kind == "success" and "Solved" in s.status.text


def test_heads_turn_from_uniform_to_the_anti_diagonal(trained):
    _, s = trained
    assert s.pattern.shape == (s.epoch + 1, 1, 2)
    np.testing.assert_allclose(s.pattern[0], 1 / 5, atol=0.05)
    assert s.pattern[-1].max() > 0.5
    assert s.target.tolist() == np.fliplr(np.eye(5, dtype=bool)).tolist()
    probe = s.heatmaps()[int(s.pattern[-1].argmax())].values
    assert (probe.argmax(axis=1) == [4, 3, 2, 1, 0]).sum() >= 4


def test_a_typed_sequence_is_reversed_with_its_maps(trained):
    lab, _ = trained
    p = lab.predict("3 1 4 1 5")
    assert p.digits == (3, 1, 4, 1, 5) and p.expected == (5, 1, 4, 1, 3) and p.correct
    assert p.maps.shape == (1, 2, 5, 5) and min(p.confidence) > 0.5
    np.testing.assert_allclose(p.maps.sum(axis=-1), 1.0)
    assert lab.predict("2,7,1,8,2").digits == (2, 7, 1, 8, 2)
    followed = lab.set_probe("90210")
    assert followed.probe.digits == (9, 0, 2, 1, 0) and followed.probe.output == (0, 1, 2, 0, 9)
    assert followed.heatmaps()[0].rows == ("9", "0", "2", "1", "0")
    for bad, words in (("12a45", "digits 0–9 only"), ("1234", "exactly 5 digits"), ("١٢٣٤٥", "digits 0–9 only")):
        with pytest.raises(ControlError, match=words):
            lab.predict(bad)


def test_held_out_sequences_are_never_trained_on():
    lab = Transformer(length=3)
    held = set(map(tuple, lab.test))
    assert len(held) == len(lab.test) == 250
    np.testing.assert_array_equal(lab.test @ lab.place, lab.test_codes)
    assert not any(tuple(row) in held for _ in range(20) for row in lab.batch())


def test_without_positional_encoding_reversal_is_impossible():
    """With no positions the model is permutation-equivariant: reversing the input reverses the
    output, so the output for a palindrome-free input cannot be its reversal at every position."""
    lab = Transformer(positional=False, max_epochs=3)
    s = train(lab)
    assert not s.solved and s.sequence_accuracy[-1] < 0.02
    assert s.status.kind == "warning" and "impossible" in s.status.text
    x = np.array([1, 2, 3, 4, 5])
    forward, backward = lab.predict(x), lab.predict(x[::-1])
    assert backward.output == forward.output[::-1]
    np.testing.assert_allclose(backward.maps, forward.maps[:, :, ::-1, ::-1], atol=1e-12)


def test_shift_task_learns_the_diagonal_below_the_main_one():
    s = train(Transformer(task="shift"))
    assert s.solved and s.epoch <= 10
    assert task_pattern("shift", 4).tolist() == [[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
    assert s.pattern[-1].max() > 0.5


def test_training_records_no_tape_and_a_bad_state_is_reported_not_raised():
    lab = Transformer()
    with recording() as tape:
        lab.perform("step")
    assert len(tape) == 0 and lab.steps == 1
    lab.model.head.weight.data[:] = np.nan
    s = lab.perform("step")
    assert s.diverged and lab.finished and s.status.kind == "error"
    assert s.steps == 1
