"""The BERT/GPT lab against the definitions written out in NumPy: the Transformer stack, the causal mask, BERT's
80/10/10 corruption, LoRA's update and its trainable count, the least next-word loss of the toy language. What a
learner sees: GPT cannot look right and BERT can, both learn what their task lets them, LoRA trains only A and B."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest

from dltui.engine import Tensor, manual_seed, nn, no_grad, optim
from dltui.engine import functional as F
from dltui.labs.pretrain import (D_MODEL, FOODS, HEADS, LAYERS, LENGTH, MASK, MASK_RATE, NAMES, PRETRAINED, RANKS,
                                 SPECIAL, SPLIT, START, VERBS, VOCAB, Classifier, Encoder, LoRALinear, PretrainLab,
                                 adapted, broken, causal_question, consistent, corpus, full_trainable, labelled,
                                 lora_count, lora_question, lora_trainable, masked, masking_question, next_word_floor,
                                 trainable)


def layer_norm(x, p):
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * p.weight.data + p.bias.data


def linear(x, layer):
    return x @ layer.weight.data.T + layer.bias.data


def reference_encoder(encoder: Encoder, tokens: np.ndarray) -> np.ndarray:
    """The pre-norm stack one formula at a time: embeddings plus positions; per block x + W_O·softmax(QKᵀ/√d + mask)·V
    on LN(x), then x + W₂·relu(W₁·LN(x)); a final LN."""
    x = encoder.embed.weight.data[tokens] + encoder.position.weight.data[np.arange(tokens.shape[1])]
    n, length, d = x.shape
    for block in encoder.blocks:
        h = layer_norm(x, block.norm1)
        heads = [linear(h, f).reshape(n, length, block.heads, -1).transpose(0, 2, 1, 3) for f in (block.q, block.k, block.v)]
        scores = heads[0] @ heads[1].transpose(0, 1, 3, 2) / math.sqrt(d // block.heads)
        if encoder.causal:
            scores = np.where(np.tril(np.ones((length, length), bool)), scores, -np.inf)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        x = x + linear((weights @ heads[2]).transpose(0, 2, 1, 3).reshape(n, length, d), block.o)
        x = x + linear(np.maximum(linear(layer_norm(x, block.norm2), block.ff1), 0), block.ff2)
    return layer_norm(x, encoder.norm)


@pytest.fixture(scope="module")
def pretrained():
    """The pretrain part after 10 epochs (40 batches of each model)."""
    lab = PretrainLab()
    for _ in range(10):
        lab.act("epoch")
    return lab


@pytest.mark.parametrize("causal", [False, True])
def test_the_stack_is_the_formulas_and_only_gpt_is_blind_to_the_right(causal):
    manual_seed(3)
    encoder = Encoder(8, 2, 2, causal)
    tokens = np.random.default_rng(0).integers(0, len(VOCAB), (3, LENGTH))
    with no_grad():
        hidden, maps = encoder(tokens)
    assert hidden.data == pytest.approx(reference_encoder(encoder, tokens), abs=1e-10)
    changed = tokens.copy()
    changed[:, 5] = (changed[:, 5] + 1) % len(VOCAB)  # a word on the right of positions 0–4
    with no_grad():
        after = encoder(changed)[0].data
    assert np.array_equal(after[:, :5], hidden.data[:, :5]) == causal
    upper = np.triu(np.ones((LENGTH, LENGTH), bool), 1)
    assert np.all(maps[0][..., upper] == 0) == causal and np.all(maps[0][..., ~upper] > 0)


def test_bert_corruption_chooses_15_percent_and_splits_them_80_10_10():
    tokens = np.repeat(corpus(0)[0], 200, axis=0)  # 22,400 sentences, 179,200 words
    out, chosen = masked(tokens, np.random.default_rng(0))
    words = tokens != START
    assert not chosen[~words].any() and np.array_equal(out[~chosen], tokens[~chosen])
    assert chosen[words].mean() == pytest.approx(MASK_RATE, abs=0.003)
    as_mask, kept = out[chosen] == MASK, out[chosen] == tokens[chosen]
    swapped = ~as_mask & ~kept
    assert as_mask.mean() == pytest.approx(SPLIT[0], abs=0.006)
    # a random word is sometimes the word itself: kept = 10% + 10%·(1/22), swapped = the rest of the random 10%
    words_count = len(VOCAB) - len(SPECIAL)
    assert kept.mean() == pytest.approx(SPLIT[2] + SPLIT[1] / words_count, abs=0.006)
    assert swapped.mean() == pytest.approx(SPLIT[1] * (1 - 1 / words_count), abs=0.006)
    assert np.all(out[chosen][swapped] >= len(SPECIAL))


def test_lora_counts_are_the_formula_and_the_engine_agrees():
    for rank in RANKS:
        assert lora_trainable(rank) == lora_count(D_MODEL, LAYERS, rank) == LAYERS * 2 * rank * 2 * D_MODEL + 66
    d, v = D_MODEL, len(VOCAB)
    block = 4 * (d * d + d) + 2 * 2 * d + (d * 2 * d + 2 * d) + (2 * d * d + d)
    assert full_trainable() == v * d + LENGTH * d + LAYERS * block + 2 * d + d * 2 + 2
    for d_in, d_out, rank in ((48, 16, 3), (7, 29, 1)):
        layer = LoRALinear(nn.Linear(d_in, d_out), rank, 8.0)
        assert sum(p.size for p in trainable(layer)) == rank * (d_in + d_out)


def test_lora_is_the_merged_weight_and_starts_as_the_base_layer():
    manual_seed(0)
    base = nn.Linear(6, 5)
    x = np.random.default_rng(1).normal(size=(4, 6))
    layer = LoRALinear(base, 2, 8.0)
    with no_grad():
        assert np.array_equal(layer(Tensor(x)).data, base(Tensor(x)).data)  # B = 0
        layer.B.data = np.random.default_rng(2).normal(size=(5, 2))
        merged = base.weight.data + 8.0 / 2 * layer.B.data @ layer.A.data
        assert layer(Tensor(x)).data == pytest.approx(x @ merged.T + base.bias.data, abs=1e-12)


def test_lora_fine_tuning_moves_only_a_b_and_the_head():
    manual_seed(5)
    model = Classifier(adapted(Encoder(8, 2, 1, causal=False), 2))
    frozen = {name: p.data.copy() for name, p in model.named_parameters() if not p.requires_grad}
    learned = {name: p.data.copy() for name, p in model.named_parameters() if p.requires_grad}
    assert {name.split(".")[-1] for name in learned} == {"A", "B", "weight", "bias"}
    assert all(name.startswith("head.") or name.endswith((".A", ".B")) for name in learned)
    x, y = labelled(0)[:2]
    optimizer = optim.Adam(trainable(model), lr=0.01)
    for _ in range(3):
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    for name, p in model.named_parameters():
        if name in frozen:
            assert np.array_equal(p.data, frozen[name]) and p.grad is None, name
        else:
            assert not np.array_equal(p.data, learned[name]), name


def test_next_word_floor_is_the_entropy_of_the_free_words():
    sentences = corpus(0)[0]

    def share(columns):  # p(word | the free words before it) over the pre-training sentences, for each sentence
        keys = [tuple(s[c] for c in columns) for s in sentences]
        before = [k[:-1] for k in keys]
        return np.array([keys.count(k) / before.count(b) for k, b in zip(keys, before)])

    free = -np.log(share([1])) - np.log(share([1, 2])) - np.log(share([1, 2, 3]))  # the first name, verb and food
    assert next_word_floor(0) == pytest.approx(free.mean() / (LENGTH - 1), abs=1e-12)
    assert next_word_floor(0) < (2 * math.log(len(NAMES)) + math.log(len(VERBS))) / (LENGTH - 1)


def test_the_language_and_the_fine_tuning_task():
    train, held = corpus(0)
    assert len(train) + len(held) == len(NAMES) * len(VERBS) * len(FOODS) == len({tuple(s) for s in train} | {
        tuple(s) for s in held})
    assert all(consistent(s) for s in train) and not consistent(train[0][::-1])
    rng = np.random.default_rng(0)
    assert not any(consistent(broken(s, rng)) for s in itertools.islice(itertools.cycle(train), 300))
    x_train, y_train, x_test, y_test = labelled(0)
    assert y_train.mean() == y_test.mean() == 0.5
    assert {tuple(s) for s in x_train[y_train == 1]}.isdisjoint(tuple(s) for s in x_test[y_test == 1])
    assert [consistent(s) for s in x_test] == list(y_test == 1)


def test_pretraining_learns_what_each_task_allows(pretrained):
    s = pretrained.snapshot()
    assert np.mean(s.bert_losses[-4:]) < 0.6 * np.mean(s.bert_losses[:4])
    assert np.mean(s.gpt_losses[-4:]) < 0.5 * np.mean(s.gpt_losses[:4])
    so, stop, first_food = 4 - 1, 8 - 1, 3 - 1  # word positions 1–8 in the table
    assert s.gpt_next[so] > 0.8 and s.gpt_next[stop] > 0.8
    assert s.gpt_next[first_food] < 0.25  # 8 foods, nothing on the left says which
    d = s.demo
    assert d.draws == 8 * len(pretrained.held_out) and 0 <= min(d.coherent) <= max(d.coherent) <= d.draws
    assert d.sentence == tuple(pretrained.held_out[0]) and d.gpt_continues[:d.blank] == d.sentence[:d.blank]
    assert np.all(np.triu(d.gpt_map, 1) == 0) and np.triu(d.bert_map, 1).sum() > 0.05
    pretrained.act("blank")
    assert pretrained.snapshot().demo.blank == 4


def test_fine_tuning_keeps_lora_frozen_and_a_new_rank_starts_again():
    manual_seed(9)
    PRETRAINED[77] = {name: p.data.copy() for name, p in Encoder(D_MODEL, HEADS, LAYERS, False).named_parameters()}
    try:
        lab = PretrainLab(part="finetune", seed=77)
        lab.act("epoch")
        s = lab.snapshot()
        assert [len(r.accuracy) for r in s.runs] == [2, 2, 2]
        assert {r.kind: r.trainable for r in s.runs} == {"scratch": full_trainable(), "full": full_trainable(),
                                                        "lora": lora_count(D_MODEL, LAYERS, 4)}
        assert s.frozen == full_trainable() - 66 and s.frozen_moved == 0
        s = lab.reset(rank=2)
        assert lab.pre_epoch > 0 and [len(r.accuracy) for r in s.runs] == [1, 1, 1]
        assert s.runs[2].trainable == s.counts["r=2"] == lora_count(D_MODEL, LAYERS, 2)
    finally:
        del PRETRAINED[77]


def test_generators_answer_the_formulas():
    for seed in range(40):
        rng = np.random.default_rng(seed)
        q = lora_question(rng)
        d_in, d_out, r = (int(re.search(name + r" = (\d+)", q.prompt)[1]) for name in ("d_in", "d_out", "r"))
        assert q.answer == r * (d_in + d_out)
        q = masking_question(rng)
        b, length = map(int, re.search(r"holds (\d+) sequences of (\d+) tokens", q.prompt).groups())
        share = {"become [MASK]": SPLIT[0], "be replaced by a random token": SPLIT[1]}.get(
            re.search(r"expected to (.*)\?", q.prompt)[1], SPLIT[2])
        assert q.answer == pytest.approx(b * length * MASK_RATE * share)
        q = causal_question(rng)
        n, h = (int(re.search(name + r" = (\d+)", q.prompt)[1]) for name in ("n", "h"))
        assert q.answer == h * n * (n + 1) // 2
