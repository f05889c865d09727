"""The attention and multi-head labs: the stepped computation is the engine's, masks block exactly,
positional encoding follows its formula, and attention without positions ignores order."""

import math
import re

import numpy as np
import pytest

from dltui.engine import Tensor, functional as F, manual_seed, nn
from dltui.labs import ControlError, lab_class, question_generator
from dltui.labs.attention import PAD
from dltui.labs.base import num
from dltui.labs.transformer import TransformerLab
from dltui.lessons import find_lesson, load_lessons
from dltui.labs.multihead import self_attention, sinusoidal_encoding

Attention = lab_class("attention")
Multihead = lab_class("multihead")


def run_to_end(lab):
    snapshot = lab.snapshot()
    while not lab.finished:
        snapshot = lab.perform("step")
    return snapshot


def engine_attention(s):
    scale = s.scale
    out, weights = F.attention(Tensor(s.q), Tensor(s.k), Tensor(s.v), attn_mask=s.allowed, scale=scale)
    sdpa = F.scaled_dot_product_attention(Tensor(s.q), Tensor(s.k), Tensor(s.v), attn_mask=s.allowed, scale=scale)
    return sdpa.data, out.data, weights


@pytest.mark.parametrize("mask", ["none", "causal", "padding"])
@pytest.mark.parametrize("d_k, scaled", [(1, True), (4, True), (64, True), (4, False), (64, False)])
def test_stepped_attention_equals_scaled_dot_product_attention(mask, d_k, scaled):
    s = run_to_end(Attention(mask=mask, d_k=d_k, scaled=scaled, seed=3))
    sdpa, out, weights = engine_attention(s)
    np.testing.assert_allclose(s.output, sdpa, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(s.output, out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(s.weights, weights, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(s.scores, s.q @ s.k.T)
    assert s.scale == (1 / math.sqrt(d_k) if scaled else 1.0)


def test_causal_is_the_engines_is_causal():
    s = run_to_end(Attention(mask="causal"))
    causal = F.scaled_dot_product_attention(Tensor(s.q), Tensor(s.k), Tensor(s.v), is_causal=True)
    np.testing.assert_allclose(s.output, causal.data, rtol=1e-12, atol=1e-14)


def test_causal_mask_gives_weight_exactly_zero_to_every_later_token():
    s = run_to_end(Attention(mask="causal", d_k=8))
    n = len(s.tokens)
    later = np.triu(np.ones((n, n), dtype=bool), k=1)
    assert (s.weights[later] == 0.0).all() and (s.weights[~later] > 0).all()
    assert np.all(s.masked[later] == -np.inf)
    np.testing.assert_allclose(s.weights.sum(axis=1), 1.0, rtol=1e-14)
    assert s.weights[0, 0] == 1.0, "the first token can only attend to itself"


def test_padding_mask_gives_pad_keys_weight_exactly_zero_in_every_row():
    s = run_to_end(Attention(mask="padding"))
    pads = np.array([t == PAD for t in s.tokens])
    assert s.tokens[-2:] == (PAD, PAD) and pads.sum() == 2
    assert (s.weights[:, pads] == 0.0).all() and (s.weights[:, ~pads] > 0).all()
    np.testing.assert_allclose(s.weights.sum(axis=1), 1.0, rtol=1e-14)


def test_stages_reveal_one_softmax_row_at_a_time():
    lab = Attention()
    s = lab.snapshot()
    assert s.stage == "inputs" and [m.title for m in s.heatmaps()] == ["Q", "K", "V"]
    stages = []
    while not lab.finished:
        s = lab.perform("step")
        stages.append((s.stage, s.rows_done))
        if s.stage == "softmax":
            assert not np.isnan(s.weights[: s.rows_done]).any() and np.isnan(s.weights[s.rows_done:]).all()
    n = len(s.tokens)
    assert stages == [("scores", 0), ("scale", 0), ("mask", 0), *(("softmax", r) for r in range(1, n + 1)), ("output", n)]
    assert [m.title for m in s.heatmaps()][-2:] == ["A = softmax", "Y = A·V"]
    heat = s.heatmaps()[-2]
    assert heat.rows == heat.cols == s.tokens == ("the", "cat", "sat", "on", "the", "mat")


def test_editing_a_query_moves_only_its_row_and_matches_the_engine():
    lab = Attention(d_k=3)
    before = run_to_end(lab)
    after = lab.set_query(2, 1, 3.5)
    assert after.q[2, 1] == 3.5 and after.focus == 2 and before.q[2, 1] != 3.5
    changed = np.abs(after.weights - before.weights).max(axis=1) > 1e-12
    assert changed.tolist() == [False, False, True, False, False, False]
    np.testing.assert_allclose(after.output, engine_attention(after)[0], rtol=1e-12, atol=1e-14)
    k = after.k[4]

    def weight_when_pointing_at_key_4(length):
        for c in range(3):
            snapshot = lab.set_query(2, c, float(length * k[c]))
        return snapshot.weights[2, 4]

    w = [weight_when_pointing_at_key_4(length) for length in (0.0, 1.0, 3.0)]
    assert w[0] == pytest.approx(1 / 6) and w[0] < w[1] < w[2]
    assert lab.nudge_query(2, 0, 0.5).q[2, 0] == pytest.approx(3 * k[0] + 0.5)
    lab.perform("focus_next")
    lab.perform("column_next")
    keyed = lab.perform("raise_entry")
    assert (keyed.focus, keyed.column) == (3, 1) and keyed.q[3, 1] == pytest.approx(after.q[3, 1] + 0.5)
    assert lab.perform("lower_entry").q[3, 1] == after.q[3, 1]
    with pytest.raises(ControlError, match="no entry"):
        lab.set_query(0, 3, 1.0)
    with pytest.raises(ControlError, match="finite"):
        lab.set_query(0, 0, math.nan)


def test_without_scaling_softmax_saturates_as_d_k_grows():
    table = Attention().snapshot().sharpness
    raw = [row.peak_raw for row in table]
    assert raw == sorted(raw) and raw[-1] > 0.9, "unscaled: nearly one-hot at d_k = 256"
    for row in table:
        assert row.spread_raw == pytest.approx(math.sqrt(row.d_k) * row.spread_scaled)
        assert row.spread_scaled == pytest.approx(1.0, abs=0.1)
        assert row.peak_scaled < 0.5, "scaled: as peaked at d_k = 256 as at 4"
    s = run_to_end(Attention(d_k=128, scaled=False))
    assert s.status.kind == "warning" and "saturated" in s.status.text
    assert s.peak.mean() > 0.9
    assert run_to_end(Attention(d_k=128)).peak.mean() < 0.6


# ---------------------------------------------------------------- multi-head and positions


@pytest.mark.parametrize("causal", [False, True])
def test_self_attention_is_multihead_attention_with_per_head_maps(causal):
    manual_seed(1)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    x = Tensor(np.random.default_rng(0).normal(size=(3, 5, 8)))
    y, maps = self_attention(x, mha, causal)
    expected, mean_map = mha(x, x, x, is_causal=causal)
    np.testing.assert_allclose(y.data, expected.data, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(maps.mean(axis=1), mean_map.data, rtol=1e-12, atol=1e-15)
    assert maps.shape == (3, 2, 5, 5)


def test_positional_encoding_follows_the_formula():
    for d in (4, 7, 16):
        pe = sinusoidal_encoding(50, d)
        for pos in (0, 1, 7, 49):
            for i in range(d):
                angle = pos / 10000 ** ((i - i % 2) / d)
                assert pe[pos, i] == pytest.approx(math.sin(angle) if i % 2 == 0 else math.cos(angle), abs=1e-15)
    assert sinusoidal_encoding(3, 4)[0].tolist() == [0.0, 1.0, 0.0, 1.0]
    assert sinusoidal_encoding(2, 4)[1, 0] == pytest.approx(math.sin(1.0))
    assert sinusoidal_encoding(2, 4)[1, 2] == pytest.approx(math.sin(0.01))


def test_without_positions_order_is_invisible_and_twins_are_identical():
    lab = Multihead(positional=False)
    s = run_to_end(lab)
    assert s.order.reorders and s.order.max_diff < 1e-12
    assert s.order.twins == (0, 4) and s.order.twin_gap == 0.0
    assert s.status.kind == "warning" and "bag of words" in s.status.text
    reversed_snapshot = lab.perform("reverse")
    assert reversed_snapshot.tokens == s.tokens[::-1]
    np.testing.assert_allclose(reversed_snapshot.output, s.output[::-1], atol=1e-12)


@pytest.mark.parametrize("params", [dict(positional=True), dict(causal=True)])
def test_positions_or_a_causal_mask_make_order_matter(params):
    s = run_to_end(Multihead(**params))
    assert not s.order.reorders and s.order.max_diff > 0.01
    assert s.order.twin_gap > 0.01
    assert s.status.kind == "success"
    if params.get("positional"):
        np.testing.assert_array_equal(s.pe, sinusoidal_encoding(len(s.tokens), s.d_model))
        np.testing.assert_array_equal(s.inputs, s.embeddings + s.pe)


def test_multihead_causal_maps_are_exactly_zero_above_the_diagonal():
    s = run_to_end(Multihead(causal=True, heads=4, d_head=2))
    n = len(s.tokens)
    later = np.triu(np.ones((n, n), dtype=bool), k=1)
    assert s.weights.shape == (4, n, n)
    assert (s.weights[:, later] == 0.0).all() and (s.weights[:, ~later] > 0).all()
    assert [m.title for m in s.heatmaps() if m.title.endswith("weights")] == [f"head {h} weights" for h in range(1, 5)]


def test_heads_differ_and_each_row_sums_to_one():
    s = run_to_end(Multihead(heads=3))
    np.testing.assert_allclose(s.weights.sum(axis=-1), 1.0, rtol=1e-14)
    assert np.abs(s.weights[0] - s.weights[1]).max() > 0.05
    assert s.q.shape == (3, 6, 4) and s.output.shape == (6, 12)


# ---------------------------------------------------------------- engine questions


def numbers(text, name):
    return [float(x.replace("−", "-")) for x in re.search(rf"{name} = \(([^)]*)\)", text).group(1).split(", ")]


@pytest.mark.parametrize("seed", range(20))
def test_weight_question_agrees_with_the_engine(seed):
    question = question_generator("attention.weight")(np.random.default_rng(seed))
    q = numbers(question.prompt, "q")
    k = [numbers(question.prompt, f"k{i}") for i in (1, 2, 3)]
    j = int(re.search(r"give to k(\d)", question.prompt).group(1)) - 1
    _, weights = F.attention(Tensor([q]), Tensor(k), Tensor(np.eye(3)))
    assert question.answer == pytest.approx(weights[0, j], abs=0.005)
    assert question.worked.count("\n") == 5


@pytest.mark.parametrize("name", ["attention.weight", "attention.output", "multihead.encoding",
                                  "multihead.params", "transformer.params"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_generator_draws_answerable_questions(name, lang):
    for seed in range(10):
        question = question_generator(name)(np.random.default_rng(seed), lang)
        assert math.isfinite(question.answer) and question.worked and question.prompt
        if name == "multihead.params":
            e = int(re.search(r"embed_dim = (\d+)", question.prompt).group(1))
            assert question.answer == 4 * e * e + 4 * e
        if name == "multihead.encoding":
            d, pos, dim = map(int, re.search(r"d_model = (\d+).*PE\[(\d+), (\d+)\]", question.prompt).groups())
            angle = pos / 10000 ** ((dim - dim % 2) / d)
            assert question.answer == pytest.approx(math.sin(angle) if dim % 2 == 0 else math.cos(angle), abs=5e-4)


# ---------------------------------------------------------------- the lessons' numbers


def test_the_lessons_numeric_answers_are_what_the_labs_compute():
    lessons, _ = load_lessons(lang="en")
    answers = {(l.id, q.id): q for l in lessons if l.lab in ("attention", "multihead", "transformer") for q in l.quiz}

    def check(key, value):
        question = answers[key]
        assert abs(question.answer - value) <= question.tolerance + 1e-12, (key, value)

    attention = run_to_end(Attention(**find_lesson(lessons, "attention").params))
    check(("attention", "first-row"), attention.weights[0, attention.tokens.index("mat")])
    check(("attention", "score-spread"), math.sqrt(64))
    assert [r.spread_raw for r in attention.sharpness if r.d_k == 64][0] == pytest.approx(8, rel=0.05)
    check(("attention", "causal-first"), run_to_end(Attention(mask="causal")).weights[0, 0])
    check(("multihead", "pe-zero"), sinusoidal_encoding(1, 8)[0, 1])
    check(("multihead", "weights-count"), run_to_end(Multihead(heads=4)).weights.size)
    check(("transformer", "default-params"), TransformerLab().snapshot().n_params)
    check(("transformer", "sequence-accuracy"), 0.9**5)


def test_masks_differ_only_in_the_mask():
    """The `<pad>` tokens' vectors come from a generator of their own, so the words keep their Q, K and V under every
    mask, and the padding mask (which blocks only the pads) leaves the words' rows of A exactly as without one.
    Before, padding redrew everything: row 'the' read .12 .10 .15 .19 .19 .25 unmasked, .14 .18 .18 .25 .15 .09 padded."""
    plain, padded, causal = (run_to_end(Attention(mask=mask)) for mask in ("none", "padding", "causal"))
    words = len(plain.tokens)
    assert padded.tokens[:words] == plain.tokens and padded.tokens[words:] == (PAD, PAD)
    for s in (padded, causal):
        for name in ("q", "k", "v"):
            np.testing.assert_array_equal(getattr(s, name)[:words], getattr(plain, name))
    np.testing.assert_allclose(padded.weights[:words, :words], plain.weights, rtol=1e-15)  # the sum adds two zeros
    np.testing.assert_array_equal(causal.scores, plain.scores)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lesson_16_quotes_the_numbers_the_lab_shows(lang):
    """Answers agree with the lab to the digits it shows (two decimals), and the explanations' numbers are the lab's."""
    lessons, _ = load_lessons(lang=lang)
    lesson = find_lesson(lessons, "attention")
    quiz = {q.id: q for q in lesson.quiz}
    s = run_to_end(Attention(**lesson.params))
    mat = s.weights[0, s.tokens.index("mat")]
    assert quiz["first-row"].answer == round(mat, 2) and quiz["first-row"].tolerance < 0.01
    said = quiz["first-row"].explanation
    assert f"({', '.join(num(round(v, 2)) for v in s.scores[0])})" in said
    assert f"({', '.join(num(round(v, 3)) for v in s.scaled[0])})" in said
    assert f"{mat:.4f}" in said
    others = np.delete(s.weights[0], s.tokens.index("mat"))
    assert f"{others.min():.2f}" in said and f"{others.max():.2f}" in said
    second = run_to_end(Attention(mask="causal")).weights[1, :2]
    assert all(f"{w:.2f}" in quiz["causal-first"].explanation for w in second)
    table = {row.d_k: row for row in s.sharpness}
    assert f"{table[1].peak_raw:.2f}" in lesson.body and f"{table[256].peak_raw:.2f}" in lesson.body
