"""Tensors on the GPU (`.to("cuda")`): the array operations the ops use agree with NumPy, and a small
CNN trained on the GPU follows the same path as on the CPU, step for step.

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
    for refused in (lambda: np.asarray(ga), lambda: ga[0], lambda: np.stack([ga, gb])):
        try:
            refused()
        except TypeError as e:
            assert "GPU" in str(e) and ".cpu()" in str(e) or "move it to the host" in str(e), e
        else:
            raise AssertionError("GPU memory must refuse what has no GPU path, not copy silently")


def check_training() -> None:
    """Two SGD-with-momentum steps of conv → relu → max-pool → linear → cross-entropy, then an Adam step of
    an MLP with MSE: the GPU's parameters equal the CPU's, and only numbers asked for leave the GPU."""
    exit_unless_cuda()
    from dltui.engine import Tensor, nn, optim
    from dltui.engine import functional as F

    def cnn():
        rng = np.random.default_rng(1)
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3))
        for p in model.parameters():
            p.data = rng.standard_normal(p.shape) * 0.5
        return model

    rng = np.random.default_rng(2)
    x, labels = rng.standard_normal((4, 1, 6, 6)), rng.integers(0, 3, 4)
    runs = {}
    for device in ("cpu", "cuda"):
        model = cnn().to(device)
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        inputs, losses = Tensor(x).to(device), []
        for _ in range(2):
            opt.zero_grad()
            loss = F.cross_entropy(model(inputs), labels)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert all(p.device == device for p in model.parameters())
        runs[device] = losses, [p.cpu().data for p in model.parameters()]
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
            opt.step()
        results[device] = [p.cpu().data for p in mlp.parameters()]
    for got, want in zip(results["cuda"], results["cpu"]):
        close(got, want)


def test_cuda_arrays_agree_with_numpy():
    done = run_on_cuda(Path(__file__), "check_arrays")
    assert done.returncode == 0, done.stderr[-3000:]


def test_training_on_the_gpu_follows_the_cpu():
    done = run_on_cuda(Path(__file__), "check_training")
    assert done.returncode == 0, done.stderr[-3000:]
