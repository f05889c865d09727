"""The tape and the stepper: order, step back, breakpoints, accumulation, inspection, expansion."""

import re

import numpy as np
import pytest

from dltui.engine import Stepper, Tensor, functional as F, no_grad, no_record, recording
from dltui.engine.tape import Accumulation


def mlp_pass():
    """x → linear → relu → linear → mse, with W1 also used by an L2 penalty (a reused tensor)."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((4, 3)), name="x")
    w1 = Tensor(rng.standard_normal((5, 3)), requires_grad=True, name="W1")
    w2 = Tensor(rng.standard_normal((1, 5)), requires_grad=True, name="W2")
    with recording() as tape:
        h = F.relu(F.linear(x, w1))
        loss = F.mse_loss(F.linear(h, w2), np.ones((4, 1))) + 0.1 * (w1 * w1).sum()
    loss.backward()
    return tape, loss, w1, w2


def test_tape_records_each_op_in_call_order():
    tape, *_ = mlp_pass()
    assert [n.name for n in tape.nodes] == ["linear", "relu", "linear", "mse_loss", "mul", "sum", "mul", "add"]
    assert [n.index for n in tape.nodes] == list(range(8))
    assert tape.nodes[0].formula == "Y = X·Wᵀ + b" and "dW" in tape.nodes[0].grad_formula


def test_stepping_visits_every_node_forward_then_backward_in_reverse():
    tape, *_ = mlp_pass()
    s = Stepper(tape)
    seen = []
    while not s.at_end:
        step = s.step()
        seen.append((step.phase, step.node.index))
    forward = [i for phase, i in seen if phase == "forward"]
    backward = [i for phase, i in seen if phase == "backward"]
    assert forward == list(range(8))
    assert backward == [7, 6, 5, 4, 3, 2, 1, 0]
    assert seen[:8] == [("forward", i) for i in range(8)]  # the whole forward pass comes first
    assert len(seen) == len(s.steps) == 8 + len(tape.events)


def test_reused_tensor_gets_a_visible_accumulation_event():
    tape, _, w1, _ = mlp_pass()
    accs = [e for e in tape.events if isinstance(e, Accumulation)]
    # W1 feeds the first linear and both sides of W1·W1: two accumulations onto it
    assert [a.tensor for a in accs] == [w1, w1]
    for a in accs:
        np.testing.assert_allclose(a.before + a.incoming, a.after)
    np.testing.assert_allclose(accs[-1].after, w1.grad)
    s = Stepper(tape)
    labels = [st.label for st in s.steps if st.phase == "accumulate"]
    assert labels[0].startswith("accumulate into W1 (from #4 mul")
    assert labels[1].startswith("accumulate into W1 (from #0 linear")


def test_reused_intermediate_accumulates_too():
    a = Tensor([1.0, 2.0], requires_grad=True)
    with recording() as tape:
        b = a * 3.0
        c = (b * b + b).sum()
    c.backward()
    accs = [e for e in tape.events if isinstance(e, Accumulation)]
    # b reaches the add first, then both operands of b·b add onto it
    assert [a.tensor for a in accs] == [b, b] and [a.source.name for a in accs] == ["mul", "mul"]
    np.testing.assert_allclose(accs[-1].after, 2 * b.data + 1)
    labels = [st.label for st in Stepper(tape).steps if st.phase == "accumulate"]
    assert labels == ["accumulate into output of #0 mul(2, scalar) (from #1 mul(2, 2))"] * 2
    np.testing.assert_allclose(a.grad, 3 * (2 * 3 * a.data + 1))


def test_unrecorded_sums_leave_every_nodes_own_gradient_as_it_was_sent():
    """Without a tape the walk adds a reused tensor's gradients up in place (an RNN's weights at every step); the
    gradient each node sent stays its own (`grads_in`), and the sum is the leaf's `.grad` and the node's `grad_out`."""
    w = Tensor([1.0, 2.0], requires_grad=True)
    h = w * 1.0
    parts = [w * k for k in (2.0, 3.0, 4.0)] + [h * k for k in (5.0, 6.0, 7.0)]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    total.sum().backward()
    np.testing.assert_array_equal(w.grad, [27.0, 27.0])  # 2 + 3 + 4, then 5 + 6 + 7 through h
    np.testing.assert_array_equal(h.node.grad_out, [18.0, 18.0])
    for part, k in zip(parts, (2.0, 3.0, 4.0, 5.0, 6.0, 7.0)):
        np.testing.assert_array_equal(part.node.grads_in[0], [k, k])
    w.grad = None
    (w * 2.0 + w * 3.0).sum().backward()  # a second pass starts from fresh sums
    np.testing.assert_array_equal(w.grad, [5.0, 5.0])


def test_step_back_restores_the_view_and_hides_gradients_not_yet_computed():
    tape, loss, w1, _ = mlp_pass()
    s = Stepper(tape)
    views = [s.view()]
    while not s.at_end:
        s.step()
        views.append(s.view())
    while s.position >= 0:
        assert s.view() == views[s.position + 1]
        s.step_back()
    assert s.view() == views[0] and s.current is None

    s.seek(3)  # forward of node 3 done, no backward yet
    seen = s.inspect(0)
    assert seen.outputs is not None and seen.grad_out is None and seen.grads_in is None
    s.seek(len(s.steps) - 1)
    seen = s.inspect(0)
    np.testing.assert_allclose(seen.grads_in[1], tape.nodes[0].grads_in[1])
    assert seen.grads_in[0] is None  # x needs no gradient
    s.seek(0)
    seen = s.inspect(2)  # linear(relu(...), W2): neither relu (node 1) nor node 2 has run yet
    assert seen.outputs is None and seen.inputs[0] is None and seen.inputs[1] is not None
    assert "input0" not in seen.stats and "input1" in seen.stats


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_breakpoints_by_op_by_node_and_on_nan():
    tape, *_ = mlp_pass()
    s = Stepper(tape)
    s.break_on(op="relu")
    assert (s.run().phase, s.current.node.name) == ("forward", "relu")
    assert (s.run().phase, s.current.node.name) == ("backward", "relu")
    assert s.run() is s.steps[-1] and s.at_end  # no more matches: runs to the end
    s.rewind()
    s.breakpoints.clear()
    s.break_on(node=2, phase="backward")
    stop = s.run()
    assert (stop.phase, stop.node.index) == ("backward", 2) and s.position > 8

    x = Tensor([1.0, -1.0, 4.0], requires_grad=True)
    with recording() as tape:
        y = (x * 2.0).log().sqrt().sum()  # log of −2 is NaN
    y.backward()
    s = Stepper(tape)
    s.break_on(nonfinite=True)
    stop = s.run()
    assert (stop.phase, stop.node.name) == ("forward", "log")
    assert s.inspect(stop.node).stats["output0"].nan == 1


def test_inspect_gives_values_saved_tensors_stats_and_a_local_check():
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True, name="image")
    with recording() as tape:
        y = F.max_pool2d(x, 2)
        loss = (y * y).sum()
    loss.backward()
    s = Stepper(tape)
    s.seek(len(s.steps) - 1)
    seen = s.inspect(0)
    assert seen.input_names == ["input x (image)"] and seen.output_names == ["pooled y"]  # roles, and the tensor's name
    np.testing.assert_array_equal(seen.saved["argmax"][0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(seen.grad_out[0][0, 0], 2 * np.array([[5.0, 7.0], [13.0, 15.0]]))
    st = seen.stats["output0"]
    assert (st.shape, st.min, st.max, st.mean) == ((1, 1, 2, 2), 5.0, 15.0, 10.0)
    assert st.norm == pytest.approx(np.sqrt(25 + 49 + 169 + 225)) and st.finite
    assert seen.stats["grad_in0"].max == 30.0
    assert max(s.check(0)) < 1e-6


def test_fused_lstm_node_expands_into_primitives_with_the_same_gradients():
    rng = np.random.default_rng(1)
    t = [Tensor(rng.standard_normal(shape), requires_grad=True)
         for shape in [(2, 3), (2, 4), (2, 4), (16, 3), (16, 4), (16,), (16,)]]
    with recording() as tape:
        h, c = F.lstm_cell(t[0], (t[1], t[2]), *t[3:])
        loss = (h * h).sum() + c.sum()
    loss.backward()
    s = Stepper(tape)
    node = tape.nodes[0]
    assert node.fused and node.name == "lstm_cell"
    inner = s.inside(node)
    names = {step.node.name for step in inner.steps}
    assert {"matmul", "sigmoid", "tanh", "mul", "add", "index"} <= names and "lstm_cell" not in names
    expansion = node.expanded()
    for fused_grad, expanded_grad in zip(node.grads_in, expansion.grads):
        np.testing.assert_allclose(expanded_grad, fused_grad, rtol=1e-10, atol=1e-14)
    assert max(e for e in s.check(node) if e is not None) < 1e-6


def test_conv_and_attention_nodes_expand_with_the_same_gradients():
    rng = np.random.default_rng(2)
    x, w = Tensor(rng.standard_normal((1, 2, 5, 5)), requires_grad=True), Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    q = Tensor(rng.standard_normal((2, 4, 3)), requires_grad=True)
    with recording() as tape:
        loss = F.conv2d(x, w, stride=2, padding=1).sum() + F.scaled_dot_product_attention(q, q, q, is_causal=True).sum()
    loss.backward()
    for node in (n for n in tape.nodes if n.fused):
        for a, b in zip(node.grads_in, node.expanded().grads):
            np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-14)
    assert {n.name for n in tape.nodes if n.fused} == {"conv2d", "attention"}
    attn = next(n for n in tape.nodes if n.name == "attention").saved["attn"]
    assert attn.shape == (2, 4, 4) and np.allclose(np.triu(attn[0], 1), 0)


def test_recording_is_opt_in_and_switchable():
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()  # not recording: still differentiable
    y.backward()
    np.testing.assert_allclose(w.grad, [2.0, 4.0])
    assert y.node.tape is None
    with recording() as tape:
        a = w * 2.0
        with no_record():
            b = a * 3.0
        c = b.sum()
        with no_grad():
            d = c * 2.0
    assert [n.name for n in tape.nodes] == ["mul", "sum"]
    assert d.node is None and not d.requires_grad
    w.grad = None
    c.backward()
    np.testing.assert_allclose(w.grad, [6.0, 6.0])
    assert sum(isinstance(e, Accumulation) for e in tape.events) == 0


def test_backward_needs_a_scalar_or_a_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="scalar"):
        (x * 2.0).backward()
    with no_grad():
        frozen = (x * 2.0).sum()
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        frozen.backward()
    (x * 2.0).backward(np.array([1.0, 10.0]))
    np.testing.assert_allclose(x.grad, [2.0, 20.0])


def test_tape_keeps_the_weights_a_pass_used_after_the_optimizer_moves_them():
    from dltui.engine import optim

    tape, loss, w1, w2 = mlp_pass()
    used = w1.data.copy()
    optim.SGD([w1, w2], lr=0.5).step()
    assert not np.allclose(w1.data, used)
    s = Stepper(tape)
    s.seek(len(s.steps) - 1)
    np.testing.assert_array_equal(s.inspect(0).inputs[1], used)
    assert max(e for e in s.check(0) if e is not None) < 1e-6


def test_unrecorded_graphs_are_freed_as_soon_as_dropped():
    """No reference cycles: a training loop's graph goes away by refcount, without the gc."""
    import gc
    import weakref

    gc.disable()
    try:
        w = Tensor(np.ones((3, 3)), requires_grad=True)
        loss = F.mse_loss(F.tanh(Tensor(np.eye(3)) @ w), np.zeros((3, 3)))
        loss.backward()
        node = weakref.ref(loss.node)
        del loss
        assert node() is None
    finally:
        gc.enable()


def test_recording_is_per_thread():
    import threading

    w = Tensor([1.0], requires_grad=True)
    with recording() as tape:
        worker = threading.Thread(target=lambda: (w * 2.0).sum())
        worker.start()
        worker.join()
        w * 3.0
    assert [n.name for n in tape.nodes] == ["mul"] and tape.nodes[0].arrays[1] == 3.0


def test_local_derivative_times_upstream_is_the_gradient_sent_down():
    from dltui.labs.mlp import MLPLab

    s = MLPLab(mode="batch").trace().stepper
    s.run()
    kinds = {}
    for node in s.tape.nodes:
        local = s.local_derivative(node)
        kinds[node.name] = local is not None
        if local is not None:
            for factor, grad in zip(local, node.grads_in):
                if grad is not None:
                    np.testing.assert_allclose(factor * node.grad_out, grad, rtol=1e-12, atol=1e-15)
    assert kinds == {"linear": False, "sigmoid": True, "mse_loss": True}


def all_ops():
    from dltui.engine.ops.base import Op

    found, todo = [], list(Op.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("op", all_ops(), ids=lambda cls: cls.name)
def test_every_op_says_what_its_inputs_and_outputs_are_in_its_formulas_symbols(op):
    """Each role is words then the symbol its formulas use (`prediction ŷ`), and that symbol is in the formulas
    (as itself or as the gradient dŷ): the debugger's names and formulas speak of the same things."""
    node = op()
    formulas = f"{node.formula} {node.grad_formula}"
    for role in (*op.inputs_are, *op.outputs_are):
        *words, symbol = role.split()
        assert words, role
        assert re.search(rf"(?<![A-Za-ce-z]){re.escape(symbol)}(?![A-Za-z])", formulas), (role, formulas)


def test_the_stepper_names_inputs_by_role_and_outputs_by_what_they_are():
    """mse_loss showed `in input1` for its target and `out y` for the loss; now the target is a target, the output
    the loss, and a tensor's own name stands beside its role."""
    tape, *_ = mlp_pass()
    s = Stepper(tape)
    s.seek(len(s.steps) - 1)
    linear, mse = s.inspect(0), s.inspect(3)
    assert linear.input_names == ["input X (x)", "weight W (W1)"] and linear.output_names == ["output Y"]
    assert mse.input_names == ["prediction ŷ (linear)", "target y"] and mse.output_names == ["loss L"]
    parts = [Tensor(np.ones(2), requires_grad=True) for _ in range(3)]
    with recording() as tape:
        F.stack(parts)
    assert tape.nodes[0].input_names() == ["part x₁", "part x₂", "part x₃"]
