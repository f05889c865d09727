"""LeNet-5 learns real digits with the lesson's seed; the plain 20-layer net degrades, the residual one does not.

The full claim (≥ 97 % held-out after 4 of 12 epochs) is measured by bench/lenet.py; CI runs one
epoch and asserts a bound that only a learning network reaches (chance is 10 %).
"""

import numpy as np
import pytest

from dltui.engine.arch import lenet5
from dltui.labs import lab_class
from dltui.labs import lenet as lenet_module

LeNet, Architectures = lab_class("lenet"), lab_class("architectures")


def test_lenet_learns_in_one_epoch_and_reports_what_it_saw(tmp_path, monkeypatch):
    lab = LeNet()
    assert sum(p.data.size for p in lab.net.parameters()) == lenet5().total == 61706
    first = lab.perform("step")
    assert first.step == 1 and len(first.losses) == 1 and first.confusion is None
    assert (first.current_epoch, first.current_batch) == (1, 1)  # counted from 1, in the header and the status alike
    assert first.status.text.startswith("Epoch 1, batch 1/45: loss ")
    assert (first.recent_batches, first.recent_loss) == (1, first.losses[0])
    snapshot = lab.perform("epoch")
    assert snapshot.epoch == 1 and snapshot.step == snapshot.steps_per_epoch == 45
    assert (snapshot.current_epoch, snapshot.current_batch) == (2, 0) and "Epoch 2, batch 0/45" in snapshot.status.text
    assert snapshot.test_accuracy >= 0.85
    assert np.mean(snapshot.losses[-10:]) < np.mean(snapshot.losses[:5]) / 2
    assert snapshot.confusion.sum() == 360 and np.trace(snapshot.confusion) == round(snapshot.test_accuracy * 360)
    p = [m.p_label for m in snapshot.worst]
    assert p == sorted(p) and all(m.label != m.predicted for m in snapshot.worst)
    assert snapshot.maps["C1"].shape == (6, 28, 28) and snapshot.maps["S4"].shape == (16, 5, 5)
    assert snapshot.c3_kernels.shape == (16, 6, 5, 5) and snapshot.probabilities.sum() == pytest.approx(1)
    assert snapshot.prediction == snapshot.probabilities.argmax() and snapshot.recent_batches == 45
    assert snapshot.recent_loss == pytest.approx(np.mean(snapshot.losses))
    assert [l.shape for l in snapshot.layers][:4] == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5)]
    other = lab.reset(test_image=7)
    assert other.step == 45 and other.test_index == 7  # showing another digit keeps the training

    monkeypatch.setattr(lenet_module, "user_weights_path", lambda: tmp_path / "lenet.npz")
    assert "Saved" in lab.perform("save").status.text
    net, source = lenet_module.trained_lenet()
    assert source == "your saved LeNet"
    np.testing.assert_allclose(net.fc3.bias.data, lab.net.fc3.bias.data, atol=1e-6)


def test_shipped_weights_reach_the_lessons_accuracy(monkeypatch, tmp_path):
    monkeypatch.setattr(lenet_module, "user_weights_path", lambda: tmp_path / "absent.npz")
    net, source = lenet_module.trained_lenet()
    lab = LeNet()
    lab.net = net
    assert source == "the shipped LeNet"
    assert (lab.predict(lab.test_x).argmax(1) == lab.test_y).mean() >= 0.97


def test_plain_deep_net_fails_to_fit_and_the_residual_one_learns():
    lab = Architectures()
    snapshot = lab.perform("run_all")
    last = snapshot.measurements[-1]
    assert last.step == 400
    assert last.plain_accuracy < 0.2 and last.residual_accuracy > 0.9
    assert last.plain_grad < 1e-4 < last.residual_grad
    assert snapshot.status.kind == "success" and "vanishes" in snapshot.status.text
    assert snapshot.total == 11689512 and len(snapshot.layers) == 14
    explored = lab.reset(network="googlenet", expand=True)  # the explorer's settings keep the race
    assert explored.step == 400 and explored.total == 6624904 and len(explored.layers) == 139


def test_draw_a_digit_has_nothing_to_read_on_an_empty_canvas():
    """A blank page's probabilities are the net's biases talking (the shipped LeNet says "1", 83 %): the lab says
    there is nothing to read until something is drawn."""
    lab = lab_class("draw_digit")()
    blank = lab.snapshot()
    assert blank.empty and blank.status.text.startswith("Nothing drawn yet, so nothing to read.")
    drawn = lab.perform("example")
    assert not drawn.empty and f"reads a {drawn.prediction}" in drawn.status.text
    assert lab.perform("clear").empty
