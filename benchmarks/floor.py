"""The floor: hand-written NumPy forward + backward of each workload.

No engine on NumPy can beat these: no graph, no dispatch, the fewest array operations we know how to write
(in-place where it is free), the same float32 arithmetic. Each class follows :class:`benchmarks.common.Runner`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .common import Outcome
from .problems import ChainProblem, ConvProblem, DigitsProblem, MLPProblem, MoonsProblem, Problem
from .workloads import Workload


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy and its gradient with respect to ``logits``."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, y]))
    e /= total
    e[rows, y] -= 1.0
    e *= np.float32(1.0 / n)
    return loss, e


def mlp_forward_backward(
    weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray, y: np.ndarray
) -> tuple[float, list[np.ndarray]]:
    """ReLU MLP + cross-entropy; returns the loss and [dW0, db0, dW1, db1, ...]."""
    acts = [x]
    h = x
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w.T
        h += b
        if i < last:
            np.maximum(h, 0, out=h)
        acts.append(h)
    loss, dz = cross_entropy(h, y)
    grads: list[np.ndarray] = [dz] * (2 * len(weights))
    for i in range(last, -1, -1):
        a = acts[i]
        grads[2 * i] = dz.T @ a
        grads[2 * i + 1] = dz.sum(axis=0)
        if i:
            dz = dz @ weights[i]
            dz *= a > 0
    return loss, grads


def _sgd(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
    lr32 = np.float32(lr)
    for p, g in zip(params, grads):
        g *= lr32  # the gradient is not needed after the step
        p -= g


class MLP:
    """W1 / W2: forward, backward and an SGD step."""

    def __init__(self, problem: MLPProblem) -> None:
        self.p = problem
        self.weights = [w.copy() for w in problem.weights]
        self.biases = [b.copy() for b in problem.biases]
        self.names = problem.names()

    def _params(self) -> list[np.ndarray]:
        return [a for pair in zip(self.weights, self.biases) for a in pair]

    def step(self) -> None:
        _, grads = mlp_forward_backward(self.weights, self.biases, self.p.x, self.p.y)
        _sgd(self._params(), grads, self.p.lr)

    def check(self) -> Outcome:
        losses = []
        grads: list[np.ndarray] = []
        for _ in range(2):
            loss, grads = mlp_forward_backward(self.weights, self.biases, self.p.x, self.p.y)
            losses.append(loss)
            grads = [g.copy() for g in grads]
            _sgd(self._params(), [g.copy() for g in grads], self.p.lr)
        return Outcome(losses, dict(zip(self.names, grads)), {n: a.copy() for n, a in zip(self.names, self._params())})

    def info(self) -> dict[str, Any]:
        return {}


def moons_forward_backward(
    weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray, y: np.ndarray, alpha: float
) -> tuple[float, list[np.ndarray]]:
    """micrograd's demo loss: mean(relu(1 - y * score)) + alpha * sum of squared parameters."""
    acts = [x]
    h = x
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w.T
        h += b
        if i < last:
            np.maximum(h, 0, out=h)
        acts.append(h)
    margin = 1.0 - y * h[:, 0]
    active = margin > 0
    n = x.shape[0]
    a32 = np.float32(alpha)
    reg = sum(float(np.dot(w.ravel(), w.ravel())) + float(np.dot(b, b)) for w, b in zip(weights, biases))
    loss = float(np.sum(margin[active])) / n + alpha * reg
    dz = (np.where(active, -y, np.float32(0)) * np.float32(1.0 / n))[:, None]
    grads: list[np.ndarray] = [dz] * (2 * len(weights))
    for i in range(last, -1, -1):
        a = acts[i]
        gw = dz.T @ a
        gw += (2 * a32) * weights[i]
        gb = dz.sum(axis=0)
        gb += (2 * a32) * biases[i]
        grads[2 * i], grads[2 * i + 1] = gw, gb
        if i:
            dz = dz @ weights[i]
            dz *= a > 0
    return loss, grads


class Moons:
    """W3: one full step (forward, backward, SGD update) of micrograd's demo, vectorised over the batch."""

    def __init__(self, problem: MoonsProblem) -> None:
        self.p = problem
        self.weights = [w.copy() for w in problem.weights]
        self.biases = [b.copy() for b in problem.biases]
        self.names = problem.names()

    def _params(self) -> list[np.ndarray]:
        return [a for pair in zip(self.weights, self.biases) for a in pair]

    def step(self) -> None:
        _, grads = moons_forward_backward(self.weights, self.biases, self.p.x, self.p.y, self.p.alpha)
        _sgd(self._params(), grads, self.p.lr)

    def check(self) -> Outcome:
        # One step: the hinge loss after a step of lr 1.0 is dominated by which margins flip, so the check
        # compares the first step's loss and gradients and the parameters after it.
        loss, grads = moons_forward_backward(self.weights, self.biases, self.p.x, self.p.y, self.p.alpha)
        saved = [g.copy() for g in grads]
        _sgd(self._params(), grads, self.p.lr)
        return Outcome([loss], dict(zip(self.names, saved)), {n: a.copy() for n, a in zip(self.names, self._params())})

    def info(self) -> dict[str, Any]:
        return {}


class Chain:
    """W4: the deep tanh chain, forward with a Python loop (it is sequential), backward as a loop of products."""

    def __init__(self, problem: ChainProblem) -> None:
        self.p = problem

    def forward_backward(self) -> tuple[float, np.ndarray]:
        p = self.p
        scale, shift = np.float32(p.scale), np.float32(p.shift)
        ts = np.empty((p.n, p.x.size), dtype=np.float32)
        y = p.x
        for i in range(p.n):
            t = np.tanh(y, out=ts[i])
            y = t * scale
            y += shift
        loss = float(y.sum())
        # d tanh = 1 - t^2 for every step at once; then the chain of products, outermost step first
        # (the order an autodiff engine multiplies in).
        ts *= ts
        np.subtract(np.float32(1), ts, out=ts)
        g = np.ones_like(p.x)
        for i in range(p.n - 1, -1, -1):
            g *= scale
            g *= ts[i]
        return loss, g

    def step(self) -> None:
        self.forward_backward()

    def check(self) -> Outcome:
        loss, g = self.forward_backward()
        return Outcome([loss], {"x": g})

    def info(self) -> dict[str, Any]:
        return {}


# --------------------------------------------------------------------------------------------------- conv
# The floor keeps activations channels-last (N, H, W, C): im2col is then one copy of a window view, the conv's
# matmul yields NHWC directly, and pooling is a reshape; only the 16x7x7 features are transposed back to
# PyTorch's (C, H, W) flattening order for the linear layer.
def conv3x3_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """3x3 convolution, stride 1, padding 1, NHWC in and out, weight (O, C, 3, 3); returns (out, cols)."""
    n, h, wd, c = x.shape
    xp = np.zeros((n, h + 2, wd + 2, c), dtype=x.dtype)
    xp[:, 1:-1, 1:-1, :] = x
    windows = sliding_window_view(xp, (3, 3), axis=(1, 2))  # (N, H, W, C, 3, 3), a view
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * h * wd, 9 * c)  # columns ordered (i, j, c): one copy
    out = cols @ w.transpose(0, 2, 3, 1).reshape(w.shape[0], 9 * c).T  # (N*H*W, O)
    out += b
    return out.reshape(n, h, wd, -1), cols


def conv3x3_backward(
    dout: np.ndarray, cols: np.ndarray, w: np.ndarray, need_dx: bool
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients (dx or None, dw, db) from NHWC ``dout``; col2im adds one shifted slice per kernel offset."""
    n, h, wd, c_out = dout.shape
    c = w.shape[1]
    dmat = dout.reshape(n * h * wd, c_out)
    dw = (dmat.T @ cols).reshape(c_out, 3, 3, c).transpose(0, 3, 1, 2)
    db = dmat.sum(axis=0)
    if not need_dx:
        return None, dw, db
    dcols = (dmat @ w.transpose(0, 2, 3, 1).reshape(c_out, 9 * c)).reshape(n, h, wd, 3, 3, c)
    dxp = np.zeros((n, h + 2, wd + 2, c), dtype=dout.dtype)
    for i in range(3):
        for j in range(3):
            dxp[:, i : i + h, j : j + wd, :] += dcols[:, :, :, i, j, :]
    return dxp[:, 1:-1, 1:-1, :], dw, db


def relu_maxpool2_forward(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """max_pool2d(relu(z), 2) on NHWC ``z`` as relu(max_pool2d(z, 2)) (ReLU is monotonic: the same numbers, a
    quarter of the work); returns (out, where the gradient goes: each window's maxima of z, if positive).

    Ties within a window can only matter at zero after the ReLU, where relu' = 0 sends no gradient anyway.
    """
    n, h, w, c = z.shape
    zw = z.reshape(n, h // 2, 2, w // 2, 2, c)
    pooled = np.maximum(
        np.maximum(zw[:, :, 0, :, 0], zw[:, :, 0, :, 1]), np.maximum(zw[:, :, 1, :, 0], zw[:, :, 1, :, 1])
    )
    np.maximum(pooled, 0, out=pooled)
    mask = zw == pooled[:, :, None, :, None, :]
    mask &= (pooled > 0)[:, :, None, :, None, :]
    return pooled, mask


def relu_maxpool2_backward(dout: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n, h2, _, w2, _, c = mask.shape
    return (mask * dout[:, :, None, :, None, :]).reshape(n, h2 * 2, w2 * 2, c)


def conv_forward_backward(p: ConvProblem, params: list[np.ndarray]) -> tuple[float, list[np.ndarray]]:
    c1w, c1b, c2w, c2b, fcw, fcb = params
    x = p.x.transpose(0, 2, 3, 1)  # (N, H, W, 1): with one channel this is a free view
    z1, cols1 = conv3x3_forward(x, c1w, c1b)
    p1, mask1 = relu_maxpool2_forward(z1)
    z2, cols2 = conv3x3_forward(p1, c2w, c2b)
    p2, mask2 = relu_maxpool2_forward(z2)
    flat = p2.transpose(0, 3, 1, 2).reshape(p2.shape[0], -1)  # PyTorch's (C, H, W) order
    logits = flat @ fcw.T
    logits += fcb
    loss, dlogits = cross_entropy(logits, p.y)
    dfcw = dlogits.T @ flat
    dfcb = dlogits.sum(axis=0)
    n, h2, w2, c2 = p2.shape
    dp2 = (dlogits @ fcw).reshape(n, c2, h2, w2).transpose(0, 2, 3, 1)
    dz2 = relu_maxpool2_backward(dp2, mask2)
    dp1, dc2w, dc2b = conv3x3_backward(dz2, cols2, c2w, True)
    assert dp1 is not None
    dz1 = relu_maxpool2_backward(dp1, mask1)
    _, dc1w, dc1b = conv3x3_backward(dz1, cols1, c1w, False)  # the input needs no gradient
    return loss, [dc1w, dc1b, dc2w, dc2b, dfcw, dfcb]


class Conv:
    """W5: forward + backward of the small CNN."""

    def __init__(self, problem: ConvProblem) -> None:
        self.p = problem
        self.params = [a.copy() for a in problem.params()]

    def step(self) -> None:
        conv_forward_backward(self.p, self.params)

    def check(self) -> Outcome:
        loss, grads = conv_forward_backward(self.p, self.params)
        return Outcome([loss], dict(zip(self.p.names(), grads)))

    def info(self) -> dict[str, Any]:
        return {}


# ------------------------------------------------------------------------------------------------- digits
def mlp_predict(weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    h = x
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w.T
        h += b
        if i < len(weights) - 1:
            np.maximum(h, 0, out=h)
    return h


class Digits:
    """W6: a whole training run (SGD with momentum, as torch.optim.SGD) and the test accuracy."""

    def __init__(self, problem: DigitsProblem) -> None:
        self.p = problem
        self.accuracy = float("nan")
        self._reset()

    def _reset(self) -> None:
        self.params = [a.copy() for pair in zip(self.p.weights, self.p.biases) for a in pair]
        self.buffers: list[np.ndarray | None] = [None] * len(self.params)

    def _train_step(self, idx: np.ndarray) -> tuple[float, list[np.ndarray]]:
        p = self.p
        loss, grads = mlp_forward_backward(self.params[0::2], self.params[1::2], p.x_train[idx], p.y_train[idx])
        mu, lr = np.float32(p.momentum), np.float32(p.lr)
        for k, (param, g) in enumerate(zip(self.params, grads)):
            buf = self.buffers[k]
            if buf is None:
                buf = self.buffers[k] = g.copy()
            else:
                buf *= mu
                buf += g
            param -= lr * buf
        return loss, grads

    def step(self) -> None:
        self._reset()
        for idx in self.p.batches:
            self._train_step(idx)
        logits = mlp_predict(self.params[0::2], self.params[1::2], self.p.x_test)
        self.accuracy = float(np.mean(logits.argmax(axis=1) == self.p.y_test))

    def check(self) -> Outcome:
        self._reset()
        losses = []
        grads: list[np.ndarray] = []
        for idx in self.p.batches[:3]:  # the third step exercises the momentum buffer
            loss, grads = self._train_step(idx)
            losses.append(loss)
        names = self.p.names()
        return Outcome(losses, dict(zip(names, grads)), {n: a.copy() for n, a in zip(names, self.params)})

    def info(self) -> dict[str, Any]:
        return {"test_accuracy": self.accuracy}


def build(workload: Workload, problem: Problem) -> Any:
    """A fresh floor runner for ``workload``."""
    kind = workload.kind
    if kind in ("mlp", "memory"):
        assert isinstance(problem, MLPProblem)
        return MLP(problem)
    if kind in ("moons", "moons_scalar"):
        assert isinstance(problem, MoonsProblem)
        return Moons(problem)
    if kind == "chain":
        assert isinstance(problem, ChainProblem)
        return Chain(problem)
    if kind == "conv":
        assert isinstance(problem, ConvProblem)
        return Conv(problem)
    if kind == "digits":
        assert isinstance(problem, DigitsProblem)
        return Digits(problem)
    raise ValueError(kind)
