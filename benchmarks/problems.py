"""The workloads' problems: float32 data and initial weights from fixed seeds, one dataclass per workload family.

Every system (the NumPy floor, autograd_mini, PyTorch, the micrograd-style ``Value``) is built from the same
``Problem`` arrays; builders copy what they mutate, so one problem can feed every system.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

F32 = np.float32


@dataclass
class MLPProblem:
    """A ReLU MLP classifier with softmax cross-entropy and plain SGD (W1, W2, the memory run)."""

    weights: list[np.ndarray]  # (out, in), as nn.Linear / torch.nn.Linear
    biases: list[np.ndarray]
    x: np.ndarray  # (batch, in) float32
    y: np.ndarray  # (batch,) int64
    lr: float

    def names(self) -> list[str]:
        return [f"l{i}.{kind}" for i in range(len(self.weights)) for kind in ("weight", "bias")]


@dataclass
class MoonsProblem:
    """micrograd's demo: ReLU MLP 2-16-16-1, hinge (max-margin) loss + alpha * L2, one SGD step (W3)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    x: np.ndarray  # (n, 2) float32
    y: np.ndarray  # (n,) float32 in {-1, +1}
    alpha: float
    lr: float

    def names(self) -> list[str]:
        return [f"l{i}.{kind}" for i in range(len(self.weights)) for kind in ("weight", "bias")]


@dataclass
class ChainProblem:
    """y = x; n times y = tanh(y) * 1.0001 + 0.001; loss y.sum() (W4)."""

    x: np.ndarray  # (16,) float32
    n: int
    scale: float = 1.0001
    shift: float = 0.001

    def names(self) -> list[str]:
        return ["x"]


@dataclass
class ConvProblem:
    """conv-relu-pool-conv-relu-pool-linear with cross-entropy, forward + backward only (W5)."""

    conv1_w: np.ndarray  # (8, 1, 3, 3)
    conv1_b: np.ndarray
    conv2_w: np.ndarray  # (16, 8, 3, 3)
    conv2_b: np.ndarray
    fc_w: np.ndarray  # (10, 16 * (H/4) * (W/4))
    fc_b: np.ndarray
    x: np.ndarray  # (batch, 1, H, W)
    y: np.ndarray  # (batch,) int64

    def names(self) -> list[str]:
        return ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"]

    def params(self) -> list[np.ndarray]:
        return [self.conv1_w, self.conv1_b, self.conv2_w, self.conv2_b, self.fc_w, self.fc_b]


@dataclass
class DigitsProblem:
    """sklearn digits, MLP 64-64-10, SGD with momentum, minibatches in a fixed shuffled order (W6)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    batches: list[np.ndarray]  # index arrays into the training set, all epochs in order
    lr: float
    momentum: float
    epochs: int
    source: str

    def names(self) -> list[str]:
        return [f"l{i}.{kind}" for i in range(len(self.weights)) for kind in ("weight", "bias")]


Problem = MLPProblem | MoonsProblem | ChainProblem | ConvProblem | DigitsProblem


def _linear_init(rng: np.random.Generator, fan_in: int, fan_out: int) -> tuple[np.ndarray, np.ndarray]:
    bound = 1.0 / math.sqrt(fan_in)  # torch.nn.Linear's default range
    w = rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(F32)
    b = rng.uniform(-bound, bound, size=(fan_out,)).astype(F32)
    return w, b


def mlp_problem(sizes: tuple[int, ...], batch: int, lr: float, seed: int) -> MLPProblem:
    rng = np.random.default_rng(seed)
    layers = [_linear_init(rng, a, b) for a, b in itertools.pairwise(sizes)]
    x = rng.standard_normal((batch, sizes[0])).astype(F32)
    y = rng.integers(0, sizes[-1], size=batch).astype(np.int64)
    return MLPProblem([w for w, _ in layers], [b for _, b in layers], x, y, lr)


def two_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The two interleaving half circles of sklearn's ``make_moons`` (same formula, own RNG stream)."""
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0.0, math.pi, n_out)
    t_in = np.linspace(0.0, math.pi, n_in)
    x = np.concatenate(
        [np.stack([np.cos(t_out), np.sin(t_out)], 1), np.stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)]
    )
    labels = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    x = x + rng.normal(scale=noise, size=x.shape)
    order = rng.permutation(n)
    return x[order].astype(F32), labels[order]


def moons_problem(n: int, sizes: tuple[int, ...], alpha: float, lr: float, seed: int) -> MoonsProblem:
    rng = np.random.default_rng(seed)
    x, labels = two_moons(n, 0.1, rng)
    y = (labels * 2.0 - 1.0).astype(F32)  # {-1, +1}, as micrograd's demo
    # micrograd's Neuron: weights uniform(-1, 1), bias 0.
    weights = [rng.uniform(-1.0, 1.0, size=(b, a)).astype(F32) for a, b in itertools.pairwise(sizes)]
    biases = [np.zeros(b, dtype=F32) for b in sizes[1:]]
    return MoonsProblem(weights, biases, x, y, alpha, lr)


def chain_problem(n: int, width: int, seed: int) -> ChainProblem:
    rng = np.random.default_rng(seed)
    return ChainProblem(rng.standard_normal(width).astype(F32), n)


def conv_problem(batch: int, side: int, seed: int) -> ConvProblem:
    rng = np.random.default_rng(seed)

    def conv_init(c_out: int, c_in: int) -> tuple[np.ndarray, np.ndarray]:
        bound = 1.0 / math.sqrt(c_in * 9)
        w = rng.uniform(-bound, bound, size=(c_out, c_in, 3, 3)).astype(F32)
        return w, rng.uniform(-bound, bound, size=c_out).astype(F32)

    c1w, c1b = conv_init(8, 1)
    c2w, c2b = conv_init(16, 8)
    fcw, fcb = _linear_init(rng, 16 * (side // 4) ** 2, 10)
    x = rng.standard_normal((batch, 1, side, side)).astype(F32)
    y = rng.integers(0, 10, size=batch).astype(np.int64)
    return ConvProblem(c1w, c1b, c2w, c2b, fcw, fcb, x, y)


def _digits_arrays(smoke: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """The 80/20 split (seed 0) of sklearn's digits, scaled to [0, 1]; a synthetic stand-in in smoke mode."""
    if smoke:
        rng = np.random.default_rng(0)
        x = rng.uniform(0.0, 1.0, size=(80, 64)).astype(F32)
        y = rng.integers(0, 10, size=80).astype(np.int64)
        return x[:64], y[:64], x[64:], y[64:], "synthetic (smoke)"
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = (data.data / 16.0).astype(F32)
    y = data.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, random_state=0)
    return x_tr, y_tr, x_te, y_te, "sklearn load_digits, train_test_split(test_size=0.2, random_state=0), x / 16"


def digits_problem(
    sizes: tuple[int, ...], batch: int, lr: float, momentum: float, epochs: int, seed: int, smoke: bool
) -> DigitsProblem:
    x_tr, y_tr, x_te, y_te, source = _digits_arrays(smoke)
    rng = np.random.default_rng(seed)
    layers = [_linear_init(rng, a, b) for a, b in itertools.pairwise(sizes)]
    batches: list[np.ndarray] = []
    for _ in range(epochs):
        order = rng.permutation(len(x_tr))
        batches.extend(order[i : i + batch] for i in range(0, len(order), batch))  # last batch may be short
    return DigitsProblem(
        [w for w, _ in layers], [b for _, b in layers], x_tr, y_tr, x_te, y_te, batches, lr, momentum, epochs, source
    )


@functools.cache
def build_problem(kind: str, frozen: tuple[tuple[str, Any], ...]) -> Problem:
    """The problem of a workload of ``kind`` with config ``dict(frozen)`` (cached: treat it as read-only)."""
    config = dict(frozen)
    if kind in ("mlp", "memory"):
        return mlp_problem(config["sizes"], config["batch"], config["lr"], config["seed"])
    if kind in ("moons", "moons_scalar"):
        return moons_problem(config["n"], config["sizes"], config["alpha"], config["lr"], config["seed"])
    if kind == "chain":
        return chain_problem(config["n"], config["width"], config["seed"])
    if kind == "conv":
        return conv_problem(config["batch"], config["side"], config["seed"])
    if kind == "digits":
        return digits_problem(
            config["sizes"],
            config["batch"],
            config["lr"],
            config["momentum"],
            config["epochs"],
            config["seed"],
            config["smoke"],
        )
    raise ValueError(f"unknown workload kind {kind!r}")
