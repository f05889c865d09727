"""`dltui debug` and `debug(loss)` without a screen: module names on the tape, a loss's graph laid out as a tape
with its gradients and parameter check, the script runner's choice of backward, its memory and its errors."""

from __future__ import annotations

import gc
import textwrap
import weakref

import numpy as np
import pytest

from dltui.engine import Tensor, functional as F, nn, recording
from dltui.engine.debug import NoBackward, Recorder, ScriptFailed, graph_nodes, leaves, run_script, trace_of
from dltui.engine.gradcheck import numeric_grad
from dltui.engine.tape import backward, mode


class Block(nn.Module):
    def __init__(self):
        self.conv = nn.Linear(3, 3)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.conv(x)) * 2.0


class Net(nn.Module):
    def __init__(self):
        self.layer1 = Block()
        self.layers = nn.Sequential(nn.Linear(3, 2), nn.ReLU())

    def forward(self, x):
        return self.layers(self.layer1(x)).sum()


@pytest.fixture
def net_and_x():
    rng = np.random.default_rng(0)
    net = Net()
    for p in net.parameters():
        p.data = rng.standard_normal(p.shape)
    return net, Tensor(rng.standard_normal((4, 3)))


def test_ops_are_named_by_the_module_running_them_as_pytorch_names_modules(net_and_x):
    net, x = net_and_x
    with recording() as tape:
        loss = net(x) * 0.5
    assert [(n.name, n.module) for n in tape.nodes] == [
        ("linear", "layer1.conv"), ("tanh", "layer1.act"), ("mul", "layer1"), ("linear", "layers.0"),
        ("relu", "layers.1"), ("sum", "Net"), ("mul", "")]
    assert tape.modules == [] and loss.node.module == ""
    assert dict(net.named_parameters()).keys() == {"layer1.conv.weight", "layer1.conv.bias", "layers.0.weight",
                                                    "layers.0.bias"}


def test_a_module_that_raises_leaves_the_tape_as_it_was(net_and_x):
    net, _ = net_and_x
    with recording() as tape:
        with pytest.raises(ValueError):
            net(Tensor(np.ones((4, 5))))  # wrong width
        y = (Tensor(np.ones(2), requires_grad=True) * 3.0).sum()
    assert tape.modules == [] and y.node.module == ""


def test_a_loss_becomes_a_tape_of_its_graph_with_the_learners_gradients_untouched(net_and_x):
    net, x = net_and_x
    with recording():
        loss = net(x)
        unrelated = (net.layers[0].weight * 3.0).sum()  # recorded, not part of the loss
    loss.backward()
    grads = {name: p.grad.copy() for name, p in net.named_parameters()}
    trace = trace_of(loss, "test")
    nodes = trace.stepper.tape.nodes
    assert unrelated.node not in nodes and [n.index for n in nodes] == list(range(len(nodes)))
    assert [n.name for n in nodes] == ["linear", "tanh", "mul", "linear", "relu", "sum"]
    steps = trace.stepper.steps
    assert [s.phase for s in steps[:6]] == ["forward"] * 6 and [s.node.index for s in steps[6:]] == [5, 4, 3, 2, 1, 0]
    for (name, p), check in zip(net.named_parameters(), trace.params):
        assert check.name == name
        np.testing.assert_array_equal(p.grad, grads[name])  # as the learner's backward left them
        np.testing.assert_allclose(check.analytic, grads[name], rtol=1e-12, atol=1e-15)
        assert check.rel_error < 1e-6 and len(check.checked) == min(p.size, 8)
    assert trace.loss == pytest.approx(loss.item())


def test_the_parameter_check_is_central_differences_of_the_whole_graph(net_and_x):
    net, x = net_and_x
    loss = net(x)  # not recorded, never backpropagated: debug(loss) works on it all the same
    trace = trace_of(loss)
    assert all(t.grad is None for t in net.parameters())
    for p, check in zip(net.parameters(), trace.params):
        def value():
            return [net(x).data]

        numeric = numeric_grad(value, p.data, [np.ones(())])  # the model itself run again, not the tape
        for index in check.checked:
            assert check.numeric[index] == pytest.approx(numeric[index], rel=1e-6, abs=1e-9)


def test_a_large_parameter_is_checked_at_its_largest_gradients_and_a_few_others():
    rng = np.random.default_rng(1)
    w = Tensor(rng.standard_normal((6, 5)), requires_grad=True, name="w")
    loss = (F.tanh(Tensor(rng.standard_normal((3, 6))) @ w) ** 2.0).sum()
    check = trace_of(loss).params[0]
    assert len(check.checked) == 8 and len(set(check.checked)) == 8
    largest = np.argsort(-np.abs(check.analytic).reshape(-1))[:3]
    assert [np.ravel_multi_index(i, (6, 5)) for i in check.checked[:3]] == list(largest)
    assert np.isnan(check.numeric).sum() == 30 - 8 and check.rel_error < 1e-6


def test_trace_of_refuses_what_is_not_a_loss():
    w = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match="scalar"):
        trace_of(w * 2.0)
    with pytest.raises(ValueError, match="made by no op"):
        trace_of(Tensor(1.0))


SCRIPT = """
import sys
import numpy as np
import dltui.engine
from dltui.engine import Tensor, manual_seed, nn, optim, functional as F

manual_seed(0)
model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
opt = optim.SGD(model.parameters(), lr=0.1)
x, y = Tensor(np.ones((4, 2))), Tensor(np.zeros((4, 1)))
LOSSES = []
for step in range(int(sys.argv[1])):
    opt.zero_grad()
    loss = F.mse_loss(model(x), y) * float(step + 1)
    if step + 1 in MARKS:
        dltui.engine.breakpoint(loss)
    loss.backward()
    opt.step()
    LOSSES.append(loss.item())
"""


def write(tmp_path, marks=(), body=SCRIPT):
    path = tmp_path / "train.py"
    path.write_text(f"MARKS = {tuple(marks)!r}\n" + textwrap.dedent(body))
    return str(path)


def test_the_last_backward_is_opened_unless_a_step_or_a_mark_picks_another(tmp_path):
    last = run_script(write(tmp_path), ["4"])
    assert last.source == "train.py · backward 4 of 4"
    assert [n.module for n in last.stepper.tape.nodes][:3] == ["0", "1", "2"]
    assert [p.name for p in last.params] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    second = run_script(write(tmp_path), ["4"], step=2)
    assert second.source == "train.py · backward 2 of 4"
    third = run_script(write(tmp_path), ["4"], step=3)
    marked = run_script(write(tmp_path, marks=(3, 2)), ["4"])  # steps 2 and 3 marked: the first one wins
    assert marked.source == "train.py · the loss marked with breakpoint() (4 backward passes ran)"
    losses = [t.loss for t in (second, third, last)]
    assert len(set(losses)) == 3 and marked.loss == second.loss


def test_the_recorder_keeps_only_the_loss_it_may_open():
    recorder, gone = Recorder(), []
    w = Tensor(np.ones(3), requires_grad=True)
    with recorder:
        for _ in range(3):
            loss = (w * 2.0).sum()
            gone.append(weakref.ref(loss.node))
            loss.backward()
            del loss
            gc.collect()
    assert recorder.nodes == [] and recorder.backwards == 3
    assert [ref() is None for ref in gone] == [True, True, False]  # only the last pass is alive
    assert mode.tape is None


def test_a_script_error_is_its_own_traceback_and_no_backward_is_said(tmp_path):
    path = write(tmp_path, body="x = 1\ndef f():\n    return 1 / 0\nf()\n")
    with pytest.raises(ScriptFailed) as failed:
        run_script(path, [])
    lines = failed.value.lines
    assert lines.startswith("Traceback") and f'File "{path}", line 5' in lines and "ZeroDivisionError" in lines
    assert "runpy" not in lines and "debug.py" not in lines and failed.value.code == 1
    with pytest.raises(NoBackward, match="never called backward"):
        run_script(write(tmp_path, body="import dltui.engine\n"), [])
    with pytest.raises(NoBackward, match=r"called backward\(\) 2 times: there is no step 5"):
        run_script(write(tmp_path), ["2"], step=5)
    marks_a_vector = "import dltui.engine\nfrom dltui.engine import Tensor\n" \
        "dltui.engine.breakpoint(Tensor([1.0, 2.0], requires_grad=True) * 2.0)\n"
    with pytest.raises(NoBackward, match="the loss marked with breakpoint.*needs a scalar loss, got shape"):
        run_script(write(tmp_path, body=marks_a_vector), [])
    assert mode.tape is None


def test_graph_helpers_follow_inputs():
    a = Tensor([1.0, 2.0], requires_grad=True, name="a")
    b = a * 3.0
    c = (b * b + a).sum()
    nodes = graph_nodes(c)
    assert [n.name for n in nodes] == ["mul", "mul", "add", "sum"] and leaves(nodes) == [a]
    backward([c], [np.ones(())])
    np.testing.assert_allclose(a.grad, 18 * a.data + 1)


def test_parameters_are_named_by_their_path_or_else_told_apart_by_the_op_using_them(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))  # named_parameters() never called
    loss = model(Tensor(np.ones((1, 2)))).sum()
    assert [p.name for p in trace_of(loss).params] == [
        "weight of #0 linear", "bias of #0 linear", "weight of #2 linear", "bias of #2 linear"]
    body = "from dltui.engine import Tensor, nn\nimport numpy as np\n" \
        "model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))\n" \
        "model(Tensor(np.ones((1, 2)))).sum().backward()\n"
    trace = run_script(write(tmp_path, body=body), [])  # no optimizer named them: the run does, as PyTorch would
    assert [p.name for p in trace.params] == ["0.weight", "0.bias", "2.weight", "2.bias"]
