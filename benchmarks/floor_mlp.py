"""The floor's dense workloads: hand-written NumPy forward + backward (+ update) of the ReLU MLPs of W1 / W2
(cross-entropy, SGD), W3 vectorised (hinge + L2, SGD) and W6 (cross-entropy, SGD with momentum).

See :mod:`benchmarks.floor` for what the floor is; each class follows :class:`benchmarks.common.Runner`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import Outcome
from .problems import DigitsProblem, MLPProblem, MoonsProblem


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


class _DenseLayers:
    """The floor's own copies of a problem's layer weights and biases, updated in place by its steps."""

    def __init__(self, problem: MLPProblem | MoonsProblem) -> None:
        self.weights = [w.copy() for w in problem.weights]
        self.biases = [b.copy() for b in problem.biases]
        self.names = problem.names()

    def _params(self) -> list[np.ndarray]:
        return [a for pair in zip(self.weights, self.biases) for a in pair]


class MLP(_DenseLayers):
    """W1 / W2: forward, backward and an SGD step."""

    def __init__(self, problem: MLPProblem) -> None:
        super().__init__(problem)
        self.p = problem

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


class Moons(_DenseLayers):
    """W3: one full step (forward, backward, SGD update) of micrograd's demo, vectorised over the batch."""

    def __init__(self, problem: MoonsProblem) -> None:
        super().__init__(problem)
        self.p = problem

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
