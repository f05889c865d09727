"""Convolution, pooling and draw-a-digit labs: the stepped cells are the engine's, the formula is conv2d's."""

import itertools
from fractions import Fraction

import numpy as np
import pytest

from dltui.engine import Tensor
from dltui.engine import functional as F
from dltui.engine.data import load_digits, to_lenet
from dltui.labs import ControlError, lab_class, question_generator
from dltui.labs.convolution import IMAGES, dice, size_problem
from dltui.labs.draw_digit import normalize, to_canvas, to_digit
from dltui.labs.pooling import conv_params, fc_params

Convolution, Pooling, DrawDigit = lab_class("convolution"), lab_class("pooling"), lab_class("draw_digit")


def test_the_classic_edge_maps():
    lab = Convolution(kernels="both")
    lab.finish()
    assert lab.output.tolist() == [[[1, -1, 2], [0, -1, 2], [0, -2, 2]], [[-1, -1, 0], [2, 1, 0], [0, 0, 0]]]
    lab.reset()
    first = lab.perform("step").last
    assert first.window[0].tolist() == [[1, 0], [1, 1]] and first.value == 1
    assert first.worked() == "out[0][0,0] = 1·1 + 0·(−1) + 1·1 + 1·(−1) = 1"


@pytest.mark.parametrize("image,channels,kernels", [("edges", 1, "both"), ("cross", 3, "both"), ("ramp", 2, "box")])
@pytest.mark.parametrize("k,padding,stride", [(1, 0, 1), (2, 1, 2), (3, 1, 1), (3, 2, 3), (4, 0, 1)])
def test_stepped_cells_equal_conv2d_at_every_cell(image, channels, kernels, k, padding, stride):
    lab = Convolution(image=image, channels=channels, kernels=kernels, kernel_size=k, padding=padding, stride=stride)
    lab.kernels = np.random.default_rng(k).normal(size=lab.kernels.shape)  # not just the symmetric presets
    lab.restart()
    expected = lab.engine_output()
    steps = 0
    while not lab.finished:
        snapshot = lab.perform("step")
        cell = snapshot.last
        assert cell.value == pytest.approx(expected[cell.kernel, cell.row, cell.col], abs=1e-12)
        steps += 1
    assert steps == expected.size and snapshot.done and snapshot.status.kind == "success"
    np.testing.assert_allclose(snapshot.output, expected, atol=1e-12)


def test_the_size_formula_agrees_with_conv2d_over_a_grid():
    for w, k, p, s in itertools.product(range(1, 9), range(1, 6), range(0, 4), range(1, 5)):
        problem = size_problem(w, k, s, p)
        if k > w + 2 * p:
            assert problem and "does not fit" in problem
            continue
        assert problem is None
        x, weight = Tensor(np.zeros((1, 1, w, w))), Tensor(np.zeros((1, 1, k, k)))
        expected = F.conv2d(x, weight, None, s, p).shape[-1]
        lab = Convolution(image="ramp", kernel_size=1)
        lab.image = np.zeros((1, w, w))
        lab.params.update(kernel_size=k, padding=p, stride=s)
        lab.kernels = np.zeros((1, 1, k, k))
        lab.restart()
        assert lab.output.shape[-1] == expected, (w, k, p, s)
        assert lab.snapshot().size_formula.endswith(f"= {expected}")


def test_impossible_combinations_are_refused_with_the_reason():
    lab = Convolution()
    with pytest.raises(ControlError, match="does not fit .* 4×4 input padded by 0"):
        lab.reset(kernel_size=6)
    assert lab.params["kernel_size"] == 2  # the old value stays
    assert lab.reset(kernel_size=6, padding=1).output.shape == (1, 1, 1)
    with pytest.raises(ControlError, match="more than half"):
        Pooling(kernel_size=2, padding=2)


def test_edited_cells_survive_padding_changes_and_restart_the_sweep():
    lab = Convolution()
    lab.finish()
    snapshot = lab.set_image_cell(0, 0, 1, 5)
    assert np.isnan(snapshot.output).all() and snapshot.image[0, 0, 1] == 5
    lab.set_kernel_cell(0, 0, 1, 1, 2)
    snapshot = lab.reset(padding=1)
    assert snapshot.image[0, 0, 1] == 5 and snapshot.kernels[0, 0, 1, 1] == 2
    lab.finish()
    np.testing.assert_allclose(lab.output, lab.engine_output())
    assert lab.reset(kernel_size=3).image[0, 0, 1] == IMAGES["edges"][0, 1]  # a new kernel size: presets again
    lab.perform("raise_cell")  # + on the first cell, image[0, 0, 0]
    assert lab.image[0, 0, 0] == 2 and lab.reset().image[0, 0, 0] == 1  # a plain reset: presets again


def test_dice_is_a_convolution():
    assert dice(4).probability == Fraction(3, 36)
    assert dice(4).worked().endswith("= 3/36 = 1/12")
    assert sum(dice(t).probability for t in range(2, 13)) == 1
    assert dice(7).probability == Fraction(1, 6) and dice(13).probability == 0


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("name,k,s,p", [("grid", 2, 2, 0), ("grid", 3, 1, 1), ("cross", 3, 2, 1), ("ramp", 2, 1, 1),
                                        ("edge map", 2, 1, 0)])
def test_stepped_pooling_equals_the_engine(mode, name, k, s, p):
    lab = Pooling(input=name, mode=mode, kernel_size=k, stride=s, padding=p)
    while not lab.finished:
        step = lab.perform("step").last
        if mode == "max":
            assert lab.padded[step.winner] == step.value == step.window.max()
    snapshot = lab.snapshot()
    np.testing.assert_allclose(snapshot.output, lab.engine_output())
    assert snapshot.probabilities.sum() == pytest.approx(1) and len(snapshot.flat) == snapshot.output.size


def test_the_pooling_labs_edge_map_is_the_convolution_labs_feature_map():
    """Lesson 7 pools lesson 6's result: the pooling lab's copy must be what the convolution lab computes."""
    feature_map = Convolution(image="edges", kernels="vertical", kernel_size=2, padding=0, stride=1).perform("finish")
    assert np.array_equal(Pooling(input="edge map").image, feature_map.output[0])


def test_padding_keeps_the_size_and_the_counts_are_right():
    assert Pooling(input="cross", kernel_size=3, stride=1, padding=1).snapshot().keeps_size
    snapshot = Pooling().snapshot()
    assert snapshot.fc_params == 11935 and snapshot.fc_worked.endswith("= 11,935")
    assert snapshot.conv_params == 156
    assert fc_params(28, 15, 10)[0] == 784 * 15 + 15 + 15 * 10 + 10
    assert conv_params(6, 16, 5)[0] == 2416


@pytest.mark.parametrize("name", ["convolution.cell", "convolution.size", "pooling.cell", "pooling.params",
                                  "architectures.layer", "lenet.shape", "draw_digit.pixel"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_engine_questions_are_answered_and_worked(name, lang):
    """The worked computation ends at the answer: the learner can follow it to the number graded."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        q = question_generator(name)(rng, lang)
        assert q.prompt and np.isfinite(q.answer)
        last = q.worked.split()[-1].replace("−", "-").replace(",", "")
        assert float(last) == pytest.approx(q.answer, abs=1e-4), q.worked


def test_draw_digit_reads_test_digits_through_the_canvas():
    lab = DrawDigit()
    assert lab.snapshot().status.kind == "info"
    labels = load_digits().test_labels
    right = sum(lab.perform("example").prediction == labels[i] for i in range(20))
    assert right >= 18
    lab.perform("clear")
    for row in range(2, 14):
        lab.set_cell(row, 9)
    snapshot = lab.snapshot()
    assert snapshot.prediction == 1 and snapshot.maps["C1"].shape == (6, 28, 28) and snapshot.maps["C3"].shape == (16, 10, 10)
    assert sorted(snapshot.firing["C3"]) == list(range(16))


def test_canvas_conversions():
    canvas = np.zeros((16, 16), dtype=bool)
    canvas[2:4, 3:5] = True
    fitted = normalize(canvas)
    assert fitted.all()  # a 2×2 square fills the canvas
    digit = to_digit(canvas)
    assert digit[1, 1] == digit[1, 2] == 8 and digit.sum() == 16  # two cells each, 4 apiece
    image = load_digits().test_images[3]
    assert np.abs(to_digit(to_canvas(image)) - image).max() <= 2  # quantized to steps of 4
    assert to_lenet(digit[None]).shape == (1, 1, 32, 32)
