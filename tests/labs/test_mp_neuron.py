"""The MP neuron lab computes the truth table from weights and a threshold, and knows when a gate is solved."""

from dltui.labs import lab_class

MPNeuron = lab_class("mp_neuron")


def outputs(**params):
    return [row.output for row in MPNeuron(**params).snapshot().rows]


def test_gates_from_hand_set_weights():
    assert outputs(gate="AND", w1=1, w2=1, threshold=1.5) == [0, 0, 0, 1]
    assert outputs(gate="OR", w1=1, w2=1, threshold=0.5) == [0, 1, 1, 1]
    assert outputs(gate="NOT", w1=-1, threshold=-0.5) == [1, 0]
    assert MPNeuron(gate="AND", threshold=1.5).snapshot().solved
    assert not MPNeuron(gate="AND", threshold=0.5).snapshot().solved


def test_the_threshold_is_inclusive():
    assert outputs(gate="AND", w1=1, w2=1, threshold=2) == [0, 0, 0, 1]


def test_stepping_walks_the_rows_and_writes_out_the_sum():
    lab = MPNeuron(gate="AND", w1=1, w2=0.5, threshold=1.5)
    seen = []
    while True:
        snapshot = lab.perform("step")
        seen.append(snapshot.working(snapshot.rows[snapshot.current]))
        if lab.finished:
            break
    assert seen == [
        "1·0 + 0.5·0 = 0 < 1.5 → 0",
        "1·0 + 0.5·1 = 0.5 < 1.5 → 0",
        "1·1 + 0.5·0 = 1 < 1.5 → 0",
        "1·1 + 0.5·1 = 1.5 ≥ 1.5 → 1",
    ]


def test_status_names_a_wrong_row_until_solved():
    status = MPNeuron(gate="OR", w1=1, w2=1, threshold=1.5).snapshot().status
    assert status.kind == "info" and "x = (0, 1)" in status.text and "OR wants 1" in status.text
    assert MPNeuron(gate="OR", w1=1, w2=1, threshold=1).snapshot().status.kind == "success"
