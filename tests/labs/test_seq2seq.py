"""The encoder–decoder lab against references: its model against the same layers in PyTorch (float64, weights copied),
the parameter formula against the engine model and torch.nn.Transformer, greedy decoding against a plain loop that
reruns the whole model, the mask against causality itself. What a learner sees: the default model learns, greedy
decoding lags teacher forcing while it learns, and a forced mistake in `totals` shifts every later digit by as much."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dltui.engine import no_grad
from dltui.labs.seq2seq import (BOS, PAPER, TINY, Seq2Seq, Seq2SeqLab, Sizes, cross_question, greedy_decode,
                                mask_question, parameter_breakdown, parameter_count, params_question, shifted_right,
                                task_target)


def run(lab: Seq2SeqLab) -> Seq2SeqLab:
    while not lab.finished:
        lab.act("epoch")
    return lab


@pytest.fixture(scope="module")
def trained():
    """The lesson's default: `totals`, five words, seed 0, trained until greedy decoding solves the held-out set."""
    return run(Seq2SeqLab())


@pytest.fixture(scope="module")
def early():
    """`digits` after three epochs: most held-out sentences right, a few not yet."""
    lab = Seq2SeqLab(task="digits")
    for _ in range(3):
        lab.act("epoch")
    return lab


def size(module) -> int:
    return sum(p.size for p in module.parameters())


def test_the_formula_counts_the_engine_model_part_by_part():
    model = Seq2Seq(5)
    parts = parameter_breakdown(TINY)
    assert parts == {"embeddings": size(model.source_embed) + size(model.target_embed), "encoder": size(model.encoder),
                     "decoder": size(model.decoder), "output": size(model.out)}
    assert parameter_count(TINY) == size(model) == Seq2SeqLab().snapshot().n_params == 22378


def test_the_formula_counts_torch_transformers_at_the_papers_sizes_and_others():
    """Built on the meta device: shapes without memory or initialisation, so 44 million parameters cost nothing."""
    torch = pytest.importorskip("torch")
    layers = Sizes(PAPER.d_model, PAPER.heads, PAPER.d_ff, 6, 6, 0, 0, 0, shared=True, final_norms=True)
    with torch.device("meta"):
        paper = torch.nn.Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                                     dim_feedforward=2048)
    assert parameter_count(layers) == sum(p.numel() for p in paper.parameters()) == 44140544
    assert parameter_count(PAPER) == 44140544 + 37000 * 512
    for seed in range(6):  # the quiz's sizes, counted by torch
        q = params_question(np.random.default_rng(seed))
        d, f, h = (int(re.search(name + r" = (\d+)", q.prompt)[1]) for name in ("d_model", "d_ff", "h"))
        n, m = (int(v) for v in re.search(r"(\d+) encoder layers and (\d+) decoder layers", q.prompt).groups())
        with torch.device("meta"):
            built = torch.nn.Transformer(d_model=d, nhead=h, num_encoder_layers=n, num_decoder_layers=m,
                                         dim_feedforward=f)
        assert q.answer == sum(p.numel() for p in built.parameters()), q.prompt


def test_the_model_is_torchs_encoder_and_decoder_layers():
    """The same weights in torch.nn.TransformerEncoderLayer / TransformerDecoderLayer (post-norm, ReLU, no dropout) with
    a causal target mask give the same logits, in float64; the cross-attention map is torch's, averaged over heads."""
    torch = pytest.importorskip("torch")
    model = Seq2Seq(5)
    t = lambda a: torch.tensor(np.asarray(a.data if hasattr(a, "data") else a), dtype=torch.float64)  # noqa: E731
    encoder = torch.nn.TransformerEncoderLayer(32, 2, 64, dropout=0.0, batch_first=True, dtype=torch.float64)
    decoder = torch.nn.TransformerDecoderLayer(32, 2, 64, dropout=0.0, batch_first=True, dtype=torch.float64)
    pairs = [(encoder.self_attn, model.encoder.attn), (decoder.self_attn, model.decoder.self_attn),
             (decoder.multihead_attn, model.decoder.cross_attn)]
    with torch.no_grad():
        for theirs, ours in pairs:
            theirs.in_proj_weight.copy_(t(ours.in_proj_weight))
            theirs.in_proj_bias.copy_(t(ours.in_proj_bias))
            theirs.out_proj.weight.copy_(t(ours.out_proj.weight))
            theirs.out_proj.bias.copy_(t(ours.out_proj.bias))
        for theirs, ours in [(encoder.norm1, model.encoder.norm1), (encoder.norm2, model.encoder.norm2),
                             (encoder.linear1, model.encoder.ff1), (encoder.linear2, model.encoder.ff2),
                             (decoder.norm1, model.decoder.norm1), (decoder.norm2, model.decoder.norm2),
                             (decoder.norm3, model.decoder.norm3), (decoder.linear1, model.decoder.ff1),
                             (decoder.linear2, model.decoder.ff2)]:
            theirs.weight.copy_(t(ours.weight))
            theirs.bias.copy_(t(ours.bias))
        words = np.random.default_rng(0).integers(0, 10, (3, 5))
        inputs = shifted_right(task_target("totals", words))
        memory = encoder(t(model.source_embed.weight)[words] + t(model.pe))
        y = t(model.target_embed.weight)[inputs] + t(model.pe)
        out = decoder(y, memory, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64))
        logits = out @ t(model.out.weight).T + t(model.out.bias)
        after_self = decoder.norm1(y + decoder.self_attn(y, y, y, attn_mask=torch.triu(
            torch.full((5, 5), float("-inf"), dtype=torch.float64), 1))[0])
        cross = decoder.multihead_attn(after_self, memory, memory)[1]
    with no_grad():
        ours, self_map, cross_map = model(words, inputs)
    assert np.allclose(ours.data, logits.numpy(), atol=1e-10)
    assert np.allclose(cross_map, cross.numpy(), atol=1e-12)
    assert np.all(np.triu(self_map, 1) == 0) and np.allclose(self_map.sum(-1), 1)


def test_the_mask_makes_each_position_blind_to_later_target_digits():
    lab = Seq2SeqLab()
    words = lab.test[:4]
    target = lab.target(words)
    inputs = shifted_right(target)
    assert np.array_equal(inputs[:, 0], [BOS] * 4) and np.array_equal(inputs[:, 1:], target[:, :-1])
    changed = inputs.copy()
    changed[:, 3:] = (changed[:, 3:] + 5) % 10
    with no_grad():
        before, after = lab.model(words, inputs)[0].data, lab.model(words, changed)[0].data
    assert np.allclose(before[:, :3], after[:, :3], atol=1e-12) and not np.allclose(before[:, 3:], after[:, 3:])
    s = lab.snapshot()
    assert np.array_equal(s.mask, np.triu(np.full((5, 5), -np.inf), 1)) and np.isinf(s.mask).sum() == 10


def test_greedy_decoding_is_a_loop_that_feeds_back_each_choice(early):
    """The reference reruns the whole model on <s> and the tokens chosen so far and takes the argmax (the runner-up at
    a forced step); the lab's snapshot steps through the same tokens with the probabilities the model gives them."""
    lab = early
    words = lab.test[:6]
    for forced in (frozenset(), frozenset({1})):
        chosen = np.full((6, 1), BOS)
        for step in range(5):
            with no_grad():
                logits = lab.model(words, chosen)[0].data[:, -1]
            order = np.argsort(-logits, axis=-1, kind="stable")
            chosen = np.concatenate([chosen, order[:, 1 if step in forced else 0, None]], axis=1)
        assert np.array_equal(greedy_decode(lab.model, words, 5, forced)[0], chosen[:, 1:])
    lab.act("greedy")
    lab.act("wrong")
    lab.act("greedy")
    g = lab.snapshot().greedy
    expected = greedy_decode(lab.model, lab.test[:1], 3, frozenset({1}))
    assert g.outputs == tuple(expected[0][0]) and g.forced == (False, True, False)
    assert g.inputs == (BOS, *g.outputs[:2]) and g.probs == pytest.approx(expected[1][0, np.arange(3), g.outputs])
    assert g.runner_up[1] == int(np.argmax(expected[1][0, 1])) and g.self_map.shape == (3, 3)


def test_the_default_model_learns_and_greedy_decoding_lags_while_it_does(trained):
    s = trained.snapshot()
    assert s.solved and s.greedy_sentences[-1] >= 0.99 and s.teacher_accuracy[0] < 0.2
    learning = [(t, g) for t, g in zip(s.teacher_accuracy, s.greedy_accuracy) if 0.3 < t < 0.95]
    assert learning and all(g <= t for t, g in learning) and max(t - g for t, g in learning) > 0.1
    assert np.diag(s.teacher.cross_map).min() > 0.9  # to write digit t it reads word t
    assert s.teacher.outputs == s.target


def test_a_forced_mistake_in_totals_shifts_every_later_digit(trained):
    target = trained.target(trained.test)
    out = greedy_decode(trained.model, trained.test, 5, frozenset({0}))[0]
    offset = (out - target) % 10
    assert np.all(offset[:, 0] != 0)
    assert np.mean([(row[1:] == row[0]).all() for row in offset]) > 0.95
    trained.act("wrong")
    for _ in range(4):
        trained.act("greedy")
    g, s = trained.snapshot().greedy, trained.snapshot()
    offset = (g.outputs[0] - s.target[0]) % 10
    assert g.forced[0] and offset and all((o - t) % 10 == offset for o, t in zip(g.outputs, s.target))


def test_a_forced_mistake_in_digits_leaves_the_later_digits_right(early):
    right = greedy_decode(early.model, early.test, 5)[0] == early.target(early.test)
    forced = greedy_decode(early.model, early.test, 5, frozenset({0}))[0] == early.target(early.test)
    assert right[:, 1:].mean() > 0.9 and forced[:, 1:].mean() > right[:, 1:].mean() - 0.1  # each digit from its word


def test_next_finds_a_sentence_greedy_decoding_gets_wrong(early):
    lab = early
    lab.act("next")
    s = lab.snapshot()
    words = lab.test[s.probe]
    assert s.probe > 0 and not np.array_equal(greedy_decode(lab.model, words[None], 5)[0][0], s.target)
    assert s.words == tuple(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"][w]
                            for w in words)


def test_questions_match_references_computed_from_their_prompts():
    for seed in range(40):
        q = mask_question(np.random.default_rng(seed))
        scores = np.array([float(v.replace("−", "-")) for v in re.search(r"s = \(([^)]*)\)", q.prompt)[1].split(", ")])
        i, j = (int(v) for v in re.search(r"query (\d)'s weight on key (\d)", q.prompt).groups())
        seen = np.exp(scores[:i])
        assert q.answer == pytest.approx(seen[j - 1] / seen.sum(), abs=1e-12), seed
        q = cross_question(np.random.default_rng(seed))
        n, h, s, t = (int(re.search(pattern, q.prompt)[1]) for pattern in
                      (r"batch of (\d+)", r"(\d+) heads", r"sentences of (\d+)", r"input of (\d+)"))
        assert q.choices[q.answer - 1] == f"({n}, {h}, {t}, {s})", seed
