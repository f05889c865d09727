"""Tensors on the GPU (`.to("cuda")`): the array operations the ops use agree with NumPy (indexing included), and
small models trained on the GPU (a CNN, an MLP, a transformer block, recurrent nets, batch norm) follow the same
path as on the CPU, step for step.

Run in a subprocess on the real GPU where there is one, else under numba's simulator (on_cuda.py).
"""

from pathlib import Path

import numpy as np

from on_cuda import exit_unless_cuda, run_on_cuda  # tests/engine/on_cuda.py

TOL = 1e-10


def close(got, want):
    np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL)


def check_arrays() -> None:
    """Every operation CudaArray offers, against NumPy, on shapes that broadcast and on transposed views."""
    exit_unless_cuda()
    from dltui.engine.kernels.cuda_array import CudaArray

    rng = np.random.default_rng(0)
    a, b, row, col = (rng.standard_normal(s) for s in [(3, 4), (3, 4), (4,), (3, 1)])
    up = CudaArray.from_host
    ga, gb = up(a), up(b)
    for got, want in [
        (ga + gb, a + b), (ga - up(row), a - row), (ga * up(col), a * col), (up(col) / ga, col / a),
        (2.0 - ga, 2.0 - a), (ga / 4.0, a / 4.0), (3.0 / (ga * ga + 1), 3.0 / (a * a + 1)), (-ga, -a),
        (ga**2, a**2), (np.exp(ga), np.exp(a)), (np.log(ga * ga + 1), np.log(a * a + 1)),
        (np.sqrt(ga * ga), np.abs(a)), (np.maximum(ga, 0.0), np.maximum(a, 0.0)), (np.tanh(ga), np.tanh(a)),
        (np.logaddexp(0.0, ga * 300), np.logaddexp(0.0, a * 300)), (np.logaddexp(ga, gb), np.logaddexp(a, b)),
        (ga.T + up(col).T, a.T + col.T), (ga.T.copy(), a.T),
        (ga.sum(), a.sum()), (ga.sum(axis=0), a.sum(axis=0)), (ga.T.sum(axis=1, keepdims=True), a.T.sum(axis=1, keepdims=True)),
        (np.mean(ga, axis=1), a.mean(axis=1)), (ga.max(axis=1, keepdims=True), a.max(axis=1, keepdims=True)),
        (ga @ gb.T, a @ b.T), (ga.T @ gb, a.T @ b), (ga @ up(row), a @ row),
        (up(np.ones((2, 3, 5))) @ up(np.full((5, 2), 2.0)), np.full((2, 3, 2), 10.0)),  # batched @ shared
        (ga.reshape(2, -1), a.reshape(2, -1)), (np.broadcast_to(up(row), (2, 4)).copy(), np.broadcast_to(row, (2, 4))),
        (np.ones_like(ga), np.ones_like(a)), (np.expand_dims(up(row), 0), row[None]),
    ]:
        assert got.shape == np.shape(want)
        close(got.get(), want)
    big = rng.standard_normal((2, 3, 40, 40))  # a reduction long enough to be split in two passes
    close(up(big).sum(axis=(0, 2, 3)).get(), big.sum(axis=(0, 2, 3)))
    x = rng.standard_normal((2, 3, 4, 5))
    p, q = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 1, 4, 5))
    close((up(p) * up(q)).get(), p * q)
    close(up(x).transpose(0, 2, 3, 1).copy().get(), x.transpose(0, 2, 3, 1))
    for refused in (lambda: np.asarray(ga), lambda: ga[np.array([0, 2]), 1], lambda: ga[a > 0], lambda: np.take(ga, [0])):
        try:
            refused()
        except TypeError as e:
            assert "GPU" in str(e) and ".cpu()" in str(e) or "move it to the host" in str(e), e
        else:
            raise AssertionError("GPU memory must refuse what has no GPU path, not copy silently")


def check_indexing() -> None:
    """Basic indexing reads and writes as NumPy's (any step, negative ints, None, ...), on arrays and views; stack,
    concatenate, split, moveaxis, var and in-place arithmetic are built on it; rows picked by an array of ints, and
    np.add.at into them, repeats added. NumPy's errors for bad indices."""
    exit_unless_cuda()
    from dltui.engine.kernels.cuda_array import CudaArray

    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 5, 5))  # a cube, so that each index fits the transposed view too
    gx = CudaArray.from_host(x)
    indices = [1, -1, (0, 2), (0, 2, 4), slice(1, None), (slice(None), slice(None, None, -2)), (Ellipsis, 3),
               (None, 1, Ellipsis, None), (slice(None), 1, slice(4, 0, -3)), (slice(5, 9),), np.int64(2), ()]
    for index in indices:
        close(gx[index].get(), x[index])
        close(gx.transpose(2, 0, 1)[index].get(), x.transpose(2, 0, 1)[index])
        want, got = x.copy(), CudaArray.from_host(x)
        value = rng.standard_normal(np.shape(want[index]))
        want[index], got[index] = value, value
        close(got.get(), want)
        want[index], got[index] = 7.0, 7.0  # a number broadcasts
        close(got.get(), want)
    column = x[:, :, :1]
    target = CudaArray.from_host(x)
    target[1:] = CudaArray.from_host(column[1:])  # GPU memory broadcasting into a slice
    want = x.copy()
    want[1:] = column[1:]
    close(target.get(), want)
    close(np.array([row.get() for row in gx]), x)
    parts = [x, x * 2, x - 1]
    for axis in (0, 1, -1):
        close(np.stack([CudaArray.from_host(p) for p in parts], axis=axis).get(), np.stack(parts, axis=axis))
        close(np.concatenate([gx, gx * 2.0], axis=axis).get(), np.concatenate([x, x * 2], axis=axis))
        close(np.moveaxis(gx, axis, 0).copy().get(), np.moveaxis(x, axis, 0))
    for got, want in zip(np.split(gx, [1, 3], axis=1), np.split(x, [1, 3], axis=1)):
        close(got.get(), want)
    rows = np.array([[4, 0], [-1, 2], [0, 0]])  # repeats: add.at adds each one
    close(gx[rows].get(), x[rows])
    close(gx.transpose(1, 0, 2)[[3, 3, 1]].get(), x.transpose(1, 0, 2)[[3, 3, 1]])
    grown, want = CudaArray.from_host(x), x.copy()
    updates = rng.standard_normal(rows.shape + x.shape[1:])
    np.add.at(grown, rows, CudaArray.from_host(updates))
    np.add.at(want, rows, updates)
    close(grown.get(), want)
    close(np.var(gx, axis=(0, 2)).get(), x.var(axis=(0, 2)))
    close(gx.var(axis=1, keepdims=True, ddof=1).get(), x.var(axis=1, keepdims=True, ddof=1))
    shared = CudaArray.from_host(x)
    alias = shared
    shared += 1.0
    shared *= CudaArray.from_host(x[0])
    assert alias is shared
    close(alias.get(), (x + 1.0) * x[0])
    def index_error(array, index) -> str:
        try:
            array[index]
        except IndexError as error:
            return str(error)
        raise AssertionError(f"{index} must raise IndexError")

    for bad in [(0, 0, 0, 0), 5, np.array([1, 5]), (0, -6), (..., ...)]:
        assert index_error(gx, bad) == index_error(x, bad)


def check_training() -> None:
    """Two SGD-with-momentum steps of conv → relu → max-pool → linear → cross-entropy, then an Adam step of
    an MLP with MSE: the GPU's parameters equal the CPU's, and only numbers asked for leave the GPU."""
    exit_unless_cuda()
    from dltui.engine import Tensor, nn, optim
    from dltui.engine import functional as F
    from dltui.engine.kernels import cuda_array

    def cnn():
        rng = np.random.default_rng(1)
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3))
        for p in model.parameters():
            p.data = rng.standard_normal(p.shape) * 0.5
        return model

    rng = np.random.default_rng(2)
    x, labels = rng.standard_normal((4, 1, 6, 6)), rng.integers(0, 3, 4)
    runs, step_launches = {}, []
    for device in ("cpu", "cuda"):
        model = cnn().to(device)
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        inputs, losses = Tensor(x).to(device), []
        for _ in range(2):
            opt.zero_grad()
            loss = F.cross_entropy(model(inputs), labels)
            loss.backward()
            before = cuda_array.launches
            opt.step()
            step_launches.append(cuda_array.launches - before)
            losses.append(loss.item())
        assert all(p.device == device for p in model.parameters())
        runs[device] = losses, [p.cpu().data for p in model.parameters()]
    assert step_launches == [0, 0, 4, 4]  # the CPU launches nothing; the GPU one kernel per parameter
    close(runs["cuda"][0], runs["cpu"][0])
    for got, want in zip(runs["cuda"][1], runs["cpu"][1]):
        close(got, want)
    assert runs["cpu"][0][1] < runs["cpu"][0][0]

    results = {}
    for device in ("cpu", "cuda"):
        rng = np.random.default_rng(3)
        mlp = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2), nn.Sigmoid())
        for p in mlp.parameters():
            p.data = rng.standard_normal(p.shape)
        mlp.to(device)
        opt = optim.Adam(mlp.parameters(), lr=0.01)
        data, target = Tensor(rng.standard_normal((6, 3))).to(device), Tensor(rng.standard_normal((6, 2))).to(device)
        for _ in range(2):
            opt.zero_grad()
            F.mse_loss(mlp(data), target).backward()
            before = cuda_array.launches
            opt.step()
        assert cuda_array.launches - before == (4 if device == "cuda" else 0)  # a later step: one per parameter
        results[device] = [p.cpu().data for p in mlp.parameters()]
    for got, want in zip(results["cuda"], results["cpu"]):
        close(got, want)


def check_models() -> None:
    """A pre-norm transformer block (multi-head attention, layer norm), an LSTM and a batch_first GRU (their steps
    are slices of the input, their outputs stacked), a CNN with batch norm and an embedding train on the GPU as on
    the CPU: an Adam step gives the same loss and parameters, and batch norm's running statistics stay on the GPU,
    the same. (One step, short sequences: the simulator runs a Python thread per GPU thread, seconds a model.)"""
    exit_unless_cuda()
    from dltui.engine import Tensor, nn, optim
    from dltui.engine import functional as F

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(4), nn.LayerNorm(4)
            self.attn = nn.MultiheadAttention(4, 2, batch_first=True)
            self.ff = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4))

        def forward(self, x):
            h = self.ln1(x)
            x = x + self.attn(h, h, h)[0]
            return x + self.ff(self.ln2(x))

    class LastStep(nn.Module):
        def __init__(self, rnn):
            super().__init__()
            self.rnn, self.head = rnn, nn.Linear(4, 1)

        def forward(self, x):
            out = self.rnn(x)[0]
            return self.head(out[:, -1] if self.rnn.batch_first else out[-1])

    rng = np.random.default_rng(5)
    cases = [
        (Block, rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4)), F.mse_loss),
        (lambda: LastStep(nn.LSTM(3, 4)), rng.standard_normal((3, 2, 3)), rng.standard_normal((2, 1)), F.mse_loss),
        (lambda: LastStep(nn.GRU(3, 4, batch_first=True)), rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 1)),
         F.mse_loss),
        (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(32, 3)),
         rng.standard_normal((4, 1, 6, 6)), rng.integers(0, 3, 4), F.cross_entropy),
        (lambda: nn.Sequential(nn.Embedding(5, 4), nn.Flatten(), nn.Linear(12, 2)), np.array([[1, 4, 1], [0, 1, 3]]),
         rng.standard_normal((2, 2)), F.mse_loss),  # token 1 three times: its gradient rows add up
    ]
    for make, x, y, loss_of in cases:
        runs = {}
        for device in ("cpu", "cuda"):
            init = np.random.default_rng(6)
            model = make()
            for p in model.parameters():
                p.data = init.standard_normal(p.shape) * 0.5
            model.to(device)
            opt = optim.Adam(model.parameters(), lr=0.01)
            inputs = Tensor(x).to(device) if x.dtype == np.float64 else x  # an embedding's tokens stay ints
            target = Tensor(y).to(device) if y.dtype == np.float64 else y
            loss = loss_of(model(inputs), target)
            loss.backward()
            opt.step()
            buffers = [b for b in model.buffers() if getattr(b, "dtype", None) == np.float64]
            assert all(getattr(b, "on_gpu", False) == (device == "cuda") for b in buffers)
            statistics = [b.get() if device == "cuda" else b for b in buffers]
            runs[device] = loss.item(), [p.cpu().data for p in model.parameters()] + statistics
        close(runs["cuda"][0], runs["cpu"][0])
        for got, want in zip(runs["cuda"][1], runs["cpu"][1]):
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)  # batch norm's 1/σ magnifies last bits

    class Masked(nn.Module):  # buffers of the other kinds: a Tensor moves as a Tensor, a counter stays on the host
        def __init__(self):
            super().__init__()
            self.register_buffer("mask", Tensor(np.ones(3)))
            self.register_buffer("count", np.array(0))

    moved = Masked().to("cuda")
    assert isinstance(moved.mask, Tensor) and moved.mask.device == "cuda" and isinstance(moved.count, np.ndarray)
    assert moved.to("cpu").mask.device == "cpu"


def test_cuda_arrays_agree_with_numpy():
    done = run_on_cuda(Path(__file__), "check_arrays")
    assert done.returncode == 0, done.stderr[-3000:]


def test_training_on_the_gpu_follows_the_cpu():
    done = run_on_cuda(Path(__file__), "check_training")
    assert done.returncode == 0, done.stderr[-3000:]


def test_indexing_on_the_gpu_is_numpys():
    done = run_on_cuda(Path(__file__), "check_indexing")
    assert done.returncode == 0, done.stderr[-3000:]


def test_attention_recurrent_batch_norm_and_embedding_models_train_on_the_gpu_as_on_the_cpu():
    done = run_on_cuda(Path(__file__), "check_models")
    assert done.returncode == 0, done.stderr[-3000:]
