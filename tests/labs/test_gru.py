"""The GRU lab: gates equal the equations, a bidirectional GRU solves a task that needs the
future and a one-way one cannot, and parameter counts follow the weight shapes."""

import numpy as np

from dltui.labs import lab_class
from dltui.labs.sequence import SYMBOLS, twin_position, twins_batch

GRU = lab_class("gru")


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def test_gates_shown_follow_the_gru_equations():
    lab = GRU(seq_len=7, hidden=3, seed=4)
    gates = lab.snapshot().gates
    w_ih, w_hh, b_ih, b_hh = (t.data for t in lab.runners[0].model.core.weights(0))
    x = lab.held_out[0][:, 0]
    h = np.zeros(3)
    for t in range(7):  # PyTorch's GRU: r, z, n; b_hn inside the reset product
        gi, gh = w_ih @ x[t] + b_ih, w_hh @ h + b_hh
        r, z = sigmoid(gi[:3] + gh[:3]), sigmoid(gi[3:6] + gh[3:6])
        n = np.tanh(gi[6:] + r * gh[6:])
        h = (1 - z) * n + z * h
        for name, value in dict(r=r, z=z, n=n, h=h).items():
            np.testing.assert_allclose(gates[name][t], value, rtol=1e-12, atol=1e-14)


def test_gru_has_three_quarters_of_the_lstm_weights():
    runs = GRU(compare="GRU vs LSTM", hidden=16).snapshot().runs
    inputs, h, head = SYMBOLS, 16, 16 * SYMBOLS + SYMBOLS
    assert [r.parameters for r in runs] == [3 * h * (inputs + h + 2) + head, 4 * h * (inputs + h + 2) + head]


def test_two_layers_and_two_directions_count_their_weights():
    h, x = 8, SYMBOLS
    deep = GRU(compare="1 vs 2 layers", hidden=h).snapshot().runs[1]
    assert deep.name == "2-layer GRU"
    assert deep.parameters == 3 * h * (x + h + 2) + 3 * h * (h + h + 2) + h * SYMBOLS + SYMBOLS
    two_way = GRU(compare="one-way vs two-way", hidden=h).snapshot().runs[1]
    assert two_way.name == "bidirectional GRU"
    assert two_way.parameters == 2 * 3 * h * (x + 1 + h + 2) + 2 * h * SYMBOLS + SYMBOLS


def test_only_the_bidirectional_gru_fills_in_a_blank_whose_twin_comes_after_it():
    """Seed 0, length 9, 75 batches: two-way ≥ 95 %, one-way ≤ 40 % (chance 25 %)."""
    lab = GRU(compare="one-way vs two-way", seq_len=9, batches=75)
    while not lab.finished:
        snapshot = lab.perform("epoch")
    one_way, two_way = snapshot.runs
    assert two_way.last_accuracy >= 0.95
    assert one_way.last_accuracy <= 0.4


def test_twins_mask_the_first_of_a_pair_and_label_it_with_its_twin():
    for length in (6, 9):
        x, y = twins_batch(np.random.default_rng(1), 5, length)
        m = twin_position(length)
        assert x.shape == (length, 5, SYMBOLS + 1) and m % 2 == 0
        assert (x[m].argmax(axis=1) == SYMBOLS).all()
        assert np.array_equal(x[m + 1].argmax(axis=1), y)
