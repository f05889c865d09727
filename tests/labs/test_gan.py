"""The GAN lab learns what it should and fails the way its presets say, with fixed seeds."""

import copy
import math
import re
import warnings

import numpy as np
import pytest

from dltui.labs import lab_class, question_generator
from dltui.lessons import load_lessons
from dltui.labs.gan import PRESETS, TARGETS, push_directions, value_terms, wasserstein

Gan = lab_class("gan")


def train(lab, rounds):
    while lab.rounds < rounds and not lab.finished:
        lab.train()
    return lab.snapshot()


def d_forward(net, x):
    """D by hand in NumPy: Linear = x·Wᵀ + b, LeakyReLU(0.2); returns logits (n,)."""
    for layer in net:
        if hasattr(layer, "weight"):
            x = x @ layer.weight.data.T + layer.bias.data
        else:
            x = np.where(x > 0, x, 0.2 * x)
    return x[:, 0]


def test_default_preset_matches_the_two_modes_and_balances():
    """Seed 0, 700 rounds. Wasserstein-1 to the real mixture falls from ≈2 to under 0.4, both averaged over the
    last 8 checks (200 rounds, 512 samples each) and on 4096 fresh samples at the end. For scale: G on one
    mode is 2.0 away, the best single Gaussian 0.8, and two real samples of 512 differ by 0.05–0.25.
    Both modes stay covered, and mean D(G(z)) over the last 100 G steps is 0.5 ± 0.15."""
    lab = Gan()
    assert lab.snapshot().distance[0] > 1.5
    snapshot = train(lab, 700)
    assert snapshot.distance[-8:].mean() < 0.4
    fake, real = lab.sample_fake(lab.noise(4096)), lab.target.sample(lab.rng, 4096)
    assert wasserstein(fake, real) < 0.4
    assert snapshot.coverage[-8:].min() == 2
    assert abs(snapshot.d_fake[-100:].mean() - 0.5) < 0.15
    assert snapshot.status.kind == "success" and "Balanced" in snapshot.status.text


PROMISES = {"mode-collapse": "Mode collapse", "d-wins": "D wins too fast", "oscillation": "Oscillating"}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("preset", sorted(PROMISES))
def test_a_preset_shows_what_its_name_promises_for_most_seeds(preset, seed):
    """Checked here on seeds 0–2 over the first 200 rounds (d-wins runs 300, oscillation 1500, the others 3000).
    Over each preset's whole run and seeds 0–9 (measured when the presets were set): mode-collapse ends collapsed 10 of 10 and never covers all three
    modes after round 100 in 8, the default seed among them (G 10× faster used to recover to 3 of 3 by round 900
    and end balanced on 9 of 10); d-wins ends with D winning 10 of 10 (7 with G's old learning rate, 4× larger);
    oscillation ends oscillating 10 of 10 (the old one, with a 32-unit D, blew its losses past the divergence rule on
    4 seeds); balanced ends balanced 10 of 10."""
    snapshot = train(Gan(preset=preset, seed=seed), 200)
    assert PROMISES[preset] in snapshot.status.text and not snapshot.diverged
    if preset == "mode-collapse":
        assert snapshot.modes == 3 and snapshot.coverage[4:].max() < 3 and np.median(snapshot.coverage[4:]) <= 1


def test_the_same_networks_with_equal_learning_rates_cover_all_three_modes():
    healthy = train(Gan(data="three-modes"), 300)
    assert healthy.coverage[-1] == 3


def test_strong_d_starves_the_minimax_generator_but_not_the_non_saturating_one():
    lab = Gan(preset="d-wins")
    minimax = train(lab, 150)
    assert minimax.d_fake[-50:].mean() < 0.01 and minimax.d_real[-50:].mean() > 0.99
    assert "D wins too fast" in minimax.status.text and "non-saturating" in minimax.status.text
    lab.params["g_loss"] = "non-saturating"  # same D, same samples: the other loss's arrows are ≈ 1/D(G(z)) longer
    assert np.abs(lab.generator_arrows(minimax.arrows_at)).min() > 100 * np.abs(minimax.arrows).max()
    saturating = train(Gan(preset="d-wins-ns"), 150)
    assert saturating.d_fake[-50:].mean() > 0.2
    assert saturating.g_grad[-50:].mean() > 20 * minimax.g_grad[-50:].mean()


def test_value_terms_equal_a_hand_computation():
    real, fake = value_terms(np.array([0.8, 0.6]), np.array([0.3, 0.1]))
    assert real == pytest.approx((math.log(0.8) + math.log(0.6)) / 2)
    assert fake == pytest.approx((math.log(0.7) + math.log(0.9)) / 2)


def test_a_d_step_reports_v_on_its_own_batch():
    """Replay the step's random draws on a copy and evaluate V with D written out by hand."""
    lab = Gan()
    lab.round()
    twin = copy.deepcopy(lab)
    n = lab.params["batch"]
    real = twin.target.sample(twin.rng, n)
    fake = twin.sample_fake(twin.noise(n))
    d_real, d_fake = (1 / (1 + np.exp(-d_forward(twin.D, x))) for x in (real, fake))
    snapshot = lab.perform("d_step")
    assert snapshot.value.step == "D" and snapshot.last == "D step"
    assert snapshot.value.real == pytest.approx(np.log(d_real).mean(), rel=1e-9)
    assert snapshot.value.fake == pytest.approx(np.log(1 - d_fake).mean(), rel=1e-9)
    assert snapshot.d_loss[-1] == pytest.approx(-snapshot.value.total, rel=1e-9)


@pytest.mark.parametrize("loss", ["minimax", "non-saturating"])
def test_arrows_are_minus_the_per_sample_loss_gradient(loss):
    lab = Gan(g_loss=loss)
    train(lab, 40)
    snapshot = lab.snapshot()
    per_sample = {"minimax": lambda a: -np.logaddexp(0, a), "non-saturating": lambda a: np.logaddexp(0, -a)}[loss]
    eps = 1e-6
    x = snapshot.arrows_at
    numeric = (per_sample(d_forward(lab.D, x + eps)) - per_sample(d_forward(lab.D, x - eps))) / (2 * eps)
    np.testing.assert_allclose(snapshot.arrows[:, 0], -numeric, rtol=1e-5, atol=1e-9)


def test_nan_is_a_status_not_an_exception():
    lab = Gan()
    lab.round()
    lab.G[0].weight.data[0, 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        snapshot = lab.perform("round")
        assert lab.finished and snapshot.diverged and snapshot.status.kind == "error"
        assert "Diverged" in snapshot.status.text
        rounds = snapshot.rounds
        assert lab.perform("train").rounds == rounds  # nothing more happens


def test_value_terms_from_logits_equal_those_from_d_outputs():
    logits = np.array([-2.0, 0.0, 3.0])
    d = 1 / (1 + np.exp(-logits))
    np.testing.assert_allclose(value_terms(logits, logits, logits=True), value_terms(d, d), rtol=1e-12)


def test_pushes_give_each_arrows_direction_and_leave_out_faint_ones():
    assert push_directions(np.array([[2.0], [-1.0], [0.05], [0.0]])).tolist() == [0, 4, -1, -1]  # 0.05 < 5 % of 2
    assert push_directions(np.zeros((3, 1))).tolist() == [-1, -1, -1]
    arrows = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0], [0.0, 0.0], [1e-9, 0.0]])
    assert push_directions(arrows).tolist() == [0, 2, 5, -1, 0]  # octants of →↗↑↖←↙↓↘; in 2-D only zero is left out


def test_the_pictures_columns_come_from_the_histogram_and_d():
    snapshot = Gan().perform("round")
    real, fake, d = snapshot.profile(40)
    _, real_bins, fake_bins = snapshot.histogram(20)  # two columns a bin
    np.testing.assert_allclose(real[::2], real_bins / max(real_bins.max(), fake_bins.max()))
    assert max(real.max(), fake.max()) == 1 and np.all((d > 0) & (d < 1))
    shade = Gan(data="ring").perform("round").d_cells(10, 5)
    assert shade.shape == (5, 10) and np.all((shade > 0) & (shade < 1))


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_is_fully_covered_by_its_own_samples_and_draws(name):
    lab = Gan(data=name)
    assert lab.covered(lab.eval_real) == lab.target.modes
    snapshot = lab.perform("round")
    assert snapshot.real.shape == snapshot.fake.shape == (512, snapshot.dim)
    assert np.all((snapshot.d_grid > 0) & (snapshot.d_grid < 1))
    if snapshot.dim == 1:
        xs, = snapshot.grid
        assert snapshot.d_grid.shape == xs.shape
        edges, real, fake = snapshot.histogram(20)
        assert (real * np.diff(edges)).sum() == pytest.approx(1)
    else:
        xs, ys = snapshot.grid
        assert snapshot.d_grid.shape == (len(ys), len(xs))
    assert snapshot.arrows.shape == snapshot.arrows_at.shape


def test_preset_sets_the_controls_and_explicit_values_win():
    lab = Gan(preset="d-wins")
    assert {k: lab.params[k] for k in PRESETS["d-wins"]} == PRESETS["d-wins"]
    assert Gan(preset="d-wins", g_loss="non-saturating").params["g_loss"] == "non-saturating"
    lab.reset(d_lr=0.01)
    assert lab.params["preset"] == "d-wins" and lab.params["d_lr"] == 0.01 and lab.params["g_loss"] == "minimax"
    lab.reset(preset="balanced")
    assert lab.params["d_lr"] == PRESETS["balanced"]["d_lr"]
    assert {c.name: c.default for c in Gan.controls if c.name in PRESETS["balanced"]} == PRESETS["balanced"]


def test_steps_count_and_free_running_stops_at_max_rounds():
    lab = Gan(max_rounds=30, d_steps=2)
    lab.perform("d_step")
    lab.perform("g_step")
    lab.perform("train")
    snapshot = lab.perform("train")
    assert lab.finished and snapshot.rounds == 30 and "Stopped at max_rounds = 30" in snapshot.status.text
    assert (snapshot.d_updates, snapshot.g_updates) == (1 + 2 * 30, 1 + 30)


@pytest.mark.parametrize("seed", range(5))
def test_value_question_answer_is_v_of_the_numbers_in_the_prompt(seed):
    question = question_generator("gan.value")(np.random.default_rng(seed))
    real, fake = (np.array([float(v) for v in group.split(", ")]) for group in re.findall(r"= \(([\d., ]+)\)", question.prompt))
    assert question.answer == pytest.approx(np.log(real).mean() + np.log(1 - fake).mean(), abs=1e-4)
    assert "V =" in question.worked


@pytest.mark.parametrize("seed", range(6))
def test_gradient_question_matches_the_closed_forms(seed):
    question = question_generator("gan.g_grad")(np.random.default_rng(seed))
    p = float(re.search(r"D\(G\(z\)\) = ([\d.]+)", question.prompt).group(1))
    expected = -p if "minimax" in question.prompt else -(1 - p)
    assert question.answer == pytest.approx(expected, abs=1e-4)
    assert question_generator("gan.g_grad")(np.random.default_rng(seed), "zh").prompt.startswith("判别器")


def test_the_lessons_numeric_answers_are_what_the_lab_computes():
    lesson = next(lesson for lesson in load_lessons(lang="en")[0] if lesson.id == "gan")
    answers = {q.id: q.answer for q in lesson.quiz}
    assert answers["equilibrium-value"] == pytest.approx(sum(value_terms(np.array([0.5]), np.array([0.5]))), abs=1e-3)
    assert answers["optimal-d"] == pytest.approx(0.3 / (0.3 + 0.1))
    lab = Gan(**{**lesson.params, "d_steps": 5})
    lab.perform("round")
    assert lab.perform("round").d_updates == answers["d-steps"]
