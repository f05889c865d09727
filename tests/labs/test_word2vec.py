"""The word2vec lab against the definitions written out directly: windows as a loop over the text, subsampling and
the noise distribution as their formulas, the loss and its gradients in NumPy and in PyTorch float64. What a learner
sees: the first example is a coin toss, training lowers the loss and scores real pairs above chance pairs, and the
neighbours, the analogy and the map are the cosine ranking and the PCA they say they are."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dltui.labs.base import ControlError
from dltui.labs.word2vec import (BATCH, MAPPED, Word2VecLab, corpus, draw_negatives, examples, keep_probability,
                                 noise_distribution, principal_map, speeches)


@pytest.fixture(scope="module")
def trained():
    """The lesson's settings after one epoch (the lesson's run is five)."""
    lab = Word2VecLab()
    lab.act("epoch")
    return lab


def reference_examples(ids, speech, window, model):
    """Skip-gram (centre, context) pairs and CBOW (sorted context, centre), one word at a time."""
    found = []
    for i in range(len(ids)):
        context = [ids[j] for j in range(max(0, i - window), min(len(ids), i + window + 1))
                   if j != i and speech[j] == speech[i]]
        if model == "skip-gram":
            found += [(ids[i], o) for o in context]
        elif context:
            found.append((tuple(sorted(context)), ids[i]))
    return sorted(found)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_the_text_is_speeches_without_speakers_and_the_vocabulary_its_frequent_words():
    first = speeches()[0]
    assert first[:5] == ("before", "we", "proceed", "any", "further") and "citizen" not in first
    c = corpus(5)
    assert np.all(c.counts >= 5) and np.all(np.diff(c.counts) <= 0) and c.total == len(c.ids)
    kept = [word for word in first if word in c.index]
    assert [c.words[i] for i in c.ids[:len(kept)]] == kept and np.all(c.speech[:len(kept)] == 0)
    assert len(corpus(10).words) < len(c.words)


@pytest.mark.parametrize("model", ["skip-gram", "cbow"])
def test_windows_are_every_word_within_reach_and_stop_at_a_speech(model):
    rng = np.random.default_rng(0)
    ids, speech = rng.integers(0, 9, 40), np.repeat(np.arange(6), [3, 9, 1, 12, 7, 8])
    for window in (1, 3):
        inputs, outputs = examples(ids, speech, window, model)
        if model == "skip-gram":
            found = sorted(zip(inputs[:, 0], outputs))
        else:
            found = sorted((tuple(sorted(row[row >= 0])), o) for row, o in zip(inputs, outputs))
        assert found == reference_examples(ids, speech, window, model)


def test_subsampling_and_the_noise_follow_their_formulas():
    c = corpus(5)
    f = c.counts / c.total
    assert keep_probability(c.counts, 1e-3) == pytest.approx(np.minimum(1, np.sqrt(1e-3 / f)))
    assert np.all(keep_probability(c.counts, 0) == 1)
    noise = noise_distribution(c.counts)
    assert noise == pytest.approx(c.counts ** 0.75 / (c.counts ** 0.75).sum())
    outputs = np.random.default_rng(1).integers(0, len(c.words), 40_000)
    drawn = draw_negatives(np.random.default_rng(2), noise, outputs, 5)
    assert not np.any(drawn == outputs[:, None])
    share = np.bincount(drawn.ravel(), minlength=len(noise)) / drawn.size
    assert 0.5 * np.abs(share - noise).sum() < 0.03  # the draws' distribution is the noise distribution
    lab = Word2VecLab()
    expected = float(keep_probability(c.counts, 1e-3) @ c.counts)
    spread = math.sqrt(float((lambda p: p * (1 - p))(keep_probability(c.counts, 1e-3)) @ c.counts))
    assert abs(lab.kept - expected) < 5 * spread and lab.kept < 0.6 * c.total


@pytest.mark.parametrize("model", ["skip-gram", "cbow"])
def test_an_examples_loss_and_gradients_are_the_formulas_and_pytorchs(model):
    lab = Word2VecLab(model=model, negatives=4, dim=8)
    for _ in range(3):
        lab.act("step")  # the u's move off 0
    inputs, outputs = lab.inputs[BATCH * 3 + 7], lab.outputs[BATCH * 3 + 7]
    negatives = draw_negatives(np.random.default_rng(3), lab.noise, np.array([outputs]), 4)[0]
    targets = np.concatenate([[outputs], negatives])
    e = lab.example(inputs, targets)
    v, u = lab.net.inputs.weight.data[inputs[inputs >= 0]], lab.net.outputs.weight.data[targets]
    h, y = v.mean(axis=0), np.array([1.0, 0, 0, 0, 0])
    sigma = sigmoid(u @ h)
    assert e["h"] == pytest.approx(h, abs=1e-15) and e["scores"] == pytest.approx(u @ h, abs=1e-14)
    assert e["probabilities"] == pytest.approx(np.where(y == 1, sigma, 1 - sigma), abs=1e-14)
    assert e["terms"] == pytest.approx(-np.log(np.where(y == 1, sigma, 1 - sigma)), abs=1e-12)
    assert e["loss"] == pytest.approx(e["terms"].sum(), abs=1e-12)
    assert e["grad_u"] == pytest.approx((sigma - y)[:, None] * h, abs=1e-14)
    assert e["grad_h"] == pytest.approx((sigma - y) @ u, abs=1e-14)
    assert np.abs(e["grad_h"]).max() > 1e-4 and e["output"] == lab.corpus.words[outputs]
    torch = pytest.importorskip("torch")
    tv, tu = torch.tensor(v, requires_grad=True), torch.tensor(u, requires_grad=True)
    scores = tu @ tv.mean(0)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(scores, torch.tensor(y), reduction="sum")
    loss.backward()
    assert e["loss"] == pytest.approx(loss.item(), abs=1e-12)
    assert e["grad_u"] == pytest.approx(tu.grad.numpy(), abs=1e-14)
    assert e["grad_h"] / len(v) == pytest.approx(tv.grad.numpy()[0], abs=1e-14)  # each context word's share


def test_the_first_example_is_a_coin_toss_and_moves_only_the_us():
    lab = Word2VecLab()
    e = lab.perform("step").last
    assert np.all(e.scores == 0) and e.probabilities == pytest.approx(0.5) and e.loss == pytest.approx(6 * math.log(2))
    assert np.all(e.grad_h == 0) and np.abs(e.grad_u).min() > 0
    assert lab.losses[0] == pytest.approx(6 * math.log(2))


def test_one_epoch_lowers_the_loss_and_tells_real_context_words_from_noise(trained):
    s = trained.snapshot()
    assert s.epoch == 1 and s.position == s.examples and s.batches == math.ceil(s.examples / BATCH)
    assert np.mean(s.losses[-20:]) < 0.7 * 6 * math.log(2) and not s.diverged
    assert s.parameters == 2 * s.words * s.dim
    v, u = trained.net.inputs.weight.data, trained.net.outputs.weight.data
    rows = np.random.default_rng(4).choice(len(trained.outputs), 5000, replace=False)  # the epoch's own pairs
    centre, context = trained.inputs[rows, 0], trained.outputs[rows]
    noise = draw_negatives(np.random.default_rng(5), trained.noise, context, 1)[:, 0]
    real_wins = np.mean(np.sum(v[centre] * u[context], axis=1) > np.sum(v[centre] * u[noise], axis=1))
    assert real_wins > 0.55  # a real context word outscores a noise word for the same centre (chance: ½)


def test_neighbours_and_the_analogy_are_the_cosine_ranking(trained):
    words, v = trained.corpus.words, trained.net.inputs.weight.data
    unit = v / np.linalg.norm(v, axis=1, keepdims=True)
    trained.set_query("Marcius")
    s = trained.snapshot()
    i = trained.corpus.index["marcius"]
    cosines = unit @ unit[i]
    ranked = [j for j in np.argsort(-cosines) if j != i][:len(s.neighbours)]
    assert s.query == "marcius" and [w for w, _ in s.neighbours] == [words[j] for j in ranked]
    assert [c for _, c in s.neighbours] == pytest.approx(cosines[ranked])
    trained.set_query("father − son + daughter")
    s = trained.snapshot()
    a, b, c = (trained.corpus.index[w] for w in ("father", "son", "daughter"))
    target = unit[a] - unit[b] + unit[c]
    cosines = unit @ target / np.linalg.norm(target)
    ranked = [j for j in np.argsort(-cosines) if j not in (a, b, c)][:3]
    assert s.analogy == ("father", "son", "daughter") and [w for w, _ in s.answers] == [words[j] for j in ranked]
    for typed in ("zyzzyva", "king queen", ""):
        with pytest.raises(ControlError):
            trained.set_query(typed)
    trained.probe()
    assert trained.snapshot().query != "marcius"


def test_the_map_is_the_first_two_principal_components():
    lab = Word2VecLab(dim=8)
    s = lab.snapshot()
    vectors = lab.net.inputs.weight.data[:MAPPED]
    centred = vectors - vectors.mean(axis=0)
    _, _, axes = np.linalg.svd(centred)
    assert np.abs(s.map_now) == pytest.approx(np.abs(centred @ axes[:2].T), abs=1e-12)
    assert s.mapped == lab.corpus.words[:MAPPED] and np.all(s.map_before == s.map_now)
    flipped = principal_map(-vectors)  # the same cloud mirrored is drawn the same way
    assert flipped == pytest.approx(s.map_now, abs=1e-12)


def test_a_runaway_update_is_reported_and_stops_training():
    lab = Word2VecLab(dim=8)
    lab.act("step")
    for table in (lab.net.inputs, lab.net.outputs):
        table.weight.data = table.weight.data * 1e3
    s = lab.perform("step")
    assert lab.diverged and s.diverged and s.status.text.startswith("Diverged at mini-batch 2")
    assert lab.finished and lab.perform("step").batches == 2
