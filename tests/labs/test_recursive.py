"""The recursive-net lab against the maths written out in NumPy: the tree's values, the composition's forward pass,
backpropagation through structure node by node (and finite differences of the loss in W), the augmentations, and
the quiz questions recomputed from their prompts."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from dltui.labs.recursive import (EXPRESSIONS, RecursiveLab, augment, bracketings, compose_question, dense_question,
                                  leaves, rotate, separable_question, shift, value, written)


def catalan(n: int) -> int:
    return 1 if n <= 1 else sum(catalan(i) * catalan(n - 1 - i) for i in range(n))


def test_bracketings_are_every_binary_tree_and_their_values_follow_the_brackets():
    for n in range(1, 7):
        trees = bracketings(n)
        assert len(trees) == len(set(trees)) == catalan(n - 1) and all(leaves(t) == n for t in trees)
    numbers = (3, 1, 4, 2)
    for tree in bracketings(4):
        text = written(tree, numbers)
        assert value(tree, numbers, 5) == eval(text.replace("−", "-")) % 5, text  # Python brackets the same way
    assert written(bracketings(4)[0], numbers) == "((3 − 1) − 4) − 2"  # the left-to-right reading, a chain, first
    rows = np.array(list(itertools.product(range(5), repeat=3)))
    assert np.array_equal(value(bracketings(3)[1], rows, 5), (rows[:, 0] - (rows[:, 1] - rows[:, 2])) % 5)


def reference(lab: RecursiveLab):
    """The net's weights as arrays and the tree's forward and backward pass written out: p = tanh(W·[c₁; c₂] + b)
    up the tree, L = −log softmax(U·p + c)[value] at the root, and δ passed down with ∂L/∂W summed over the nodes."""
    net = lab.net
    E, W, b = net.embedding.weight.data, net.compose.weight.data, net.compose.bias.data
    U, c = net.readout.weight.data, net.readout.bias.data
    numbers, tree, k = lab.numbers, lab.tree, lab.params["modulus"]

    def loss(W):
        def vec(t):
            return E[numbers[t]] if isinstance(t, int) else np.tanh(W @ np.concatenate([vec(t[0]), vec(t[1])]) + b)
        z = U @ vec(tree) + c
        return float(np.log(np.exp(z - z.max()).sum()) + z.max() - z[value(tree, numbers, k)])

    nodes = []  # post-order: (vector, children's vectors or None)

    def up(t):
        if isinstance(t, int):
            nodes.append((E[numbers[t]], None))
        else:
            children = np.concatenate([up(t[0]), up(t[1])])
            nodes.append((np.tanh(W @ children + b), children))
        return nodes[-1][0]

    root = up(tree)
    z = U @ root + c
    probabilities = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    probabilities[value(tree, numbers, k)] -= 1
    deltas, shares = {}, {}

    def down(t, index, delta):  # index: the node's place in post-order
        deltas[index] = delta
        if isinstance(t, int):
            return index - 1
        p, children = nodes[index]
        g = delta * (1 - p ** 2)
        shares[index] = np.outer(g, children)
        back, d = W.T @ g, len(p)
        after_right = down(t[1], index - 1, back[d:])
        return down(t[0], after_right, back[:d])

    down(tree, len(nodes) - 1, U.T @ probabilities)
    return loss, nodes, deltas, shares


@pytest.mark.parametrize("params", [{}, {"numbers": "2-4-1-3-2", "modulus": 7, "dim": 8, "seed": 3}])
def test_backprop_through_structure_equals_numpy_and_finite_differences(params):
    lab = RecursiveLab(**params)
    for _ in range(3):
        lab.act("step")
    lab.act("bracket")
    loss, nodes, deltas, shares = reference(lab)
    s = lab.snapshot()
    t = s.trace
    assert t.loss == pytest.approx(loss(t.weight), abs=1e-12)
    assert np.array([n.vector for n in t.nodes]) == pytest.approx(np.array([v for v, _ in nodes]), abs=1e-12)
    for i, node in enumerate(t.nodes):
        assert node.grad == pytest.approx(deltas[i], abs=1e-12)
        assert (node.share is None) == (i not in shares)
        if node.share is not None:
            assert node.share == pytest.approx(shares[i], abs=1e-12)
    assert t.total == pytest.approx(sum(shares.values()), abs=1e-12)
    numeric = np.zeros_like(t.weight)
    for index in np.ndindex(*t.weight.shape):
        bump = np.zeros_like(t.weight)
        bump[index] = 1e-6
        numeric[index] = (loss(t.weight + bump) - loss(t.weight - bump)) / 2e-6
    assert np.abs(t.total - numeric).max() / np.abs(numeric).max() < 1e-6
    assert t.order[0] == len(t.nodes) - 1  # the root first, each node before its children
    for place, i in enumerate(t.order):
        node = t.nodes[i]
        if node.number is None:
            assert place < t.order.index(node.left) and place < t.order.index(node.right)


def test_stepping_the_backward_pass_adds_the_shares_up_to_the_total():
    lab = RecursiveLab()
    total = lab.snapshot().trace.total
    inner = sum(n.share is not None for n in lab.snapshot().trace.nodes)
    for revealed in range(1, 2 * inner + 2):
        s = lab.perform("node")
        assert s.revealed == revealed
    assert np.abs(s.shared_sum - total).max() < 1e-15 and np.abs(total).max() > 0
    assert lab.perform("node").revealed == 1  # after the last node it starts over
    assert lab.perform("bracket").revealed == 0 and lab.snapshot().bracket == 1
    for _ in range(4):
        lab.act("bracket")
    assert lab.snapshot().bracket == 0  # five bracketings of 3−1−4−2, round and round
    lab.act("step")
    s = lab.reset(numbers=EXPRESSIONS[2])  # shows another expression, keeps the model
    assert s.brackets == 14 and s.bracket == 0 and s.step == 1 and len(s.trace.nodes) == 9


def test_the_net_learns_and_generalises_to_unseen_sizes():
    """A short run; the lesson's full run (100% and 99%) is checked in tests/test_lesson_numbers.py."""
    lab = RecursiveLab(steps=150)
    lab.act("train")
    s = lab.snapshot()
    first, last = s.measurements[0], s.measurements[-1]
    assert [m.step for m in s.measurements] == [1, 100, 150] and s.step == 150 and lab.finished
    assert first.seen < 0.3 and last.seen > 0.45 and last.unseen > 0.3  # chance is 1/5
    assert s.losses[-1] < s.losses[0] / 4 and s.status.kind == "info"


def test_augmentations_keep_the_digit_and_move_it_as_stated():
    image = np.arange(64.0).reshape(8, 8)
    assert np.array_equal(shift(image, 1, -1)[1:, :-1], image[:-1, 1:]) and not shift(image, 1, -1)[0].any()
    assert not shift(image, 1, -1)[:, -1].any()
    assert np.allclose(rotate(image, 0), image) and np.allclose(rotate(image, 90), np.rot90(image))
    assert np.allclose(rotate(image, -90), np.rot90(image, -1))
    a = augment(image, 7, np.random.default_rng(0))
    assert a.label == 7 and [what for what, _ in a.images][0] == "original"
    assert np.array_equal(a.images[-1][1], image[:, ::-1])
    assert all(pic.shape == (8, 8) and pic.min() >= 0 and pic.max() <= 63 for _, pic in a.images)
    lab = RecursiveLab()
    before = lab.snapshot().augmented
    after = lab.perform("new_digit").augmented
    assert not np.array_equal(before.images[1][1], after.images[1][1])


def numbers_in(text: str) -> list[float]:
    return [float(v.replace("−", "-").replace(",", "")) for v in re.findall(r"[−-]?\d[\d,]*(?:\.\d+)?", text)]


def test_questions_match_their_prompts():
    for seed in range(40):
        rng = np.random.default_rng(seed)
        q = dense_question(rng)
        layers, growth, k0 = (int(v) for v in re.search(r"has (\d+) layers with growth rate k = (\d+); (\d+)",
                                                         q.prompt).groups())
        assert q.answer == k0 + layers * growth
        q = separable_question(rng)
        c, out, k = (int(v) for v in re.search(r"takes (\d+) channels to (\d+): a depthwise (\d)", q.prompt).groups())
        assert q.answer == c * k * k + c * out
        q = compose_question(rng)
        c1, c2 = (np.array(numbers_in(v)) for v in re.findall(r"c[₁₂] = \(([^)]*)\)", q.prompt))
        w = np.array([numbers_in(row) for row in re.findall(r"\(([^)]*)\)", q.prompt.split("W = ")[1])[:2]])
        b = np.array(numbers_in(re.search(r"b = \(([^)]*)\)", q.prompt)[1]))
        assert q.answer == pytest.approx(np.tanh(w[0] @ np.concatenate([c1, c2]) + b[0]), abs=1e-12)
