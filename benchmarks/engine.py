"""The workloads with autograd_mini, written the way a user would: Tensors, ``nn`` layers, ``nn.functional`` losses
and ``nn.optim.SGD`` (the nn package provides every layer the workloads need, so no raw-op fallback is used).
W3's scalar graph is in :mod:`benchmarks.engine_scalar` (``ScalarMoons``, re-exported here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

import autograd_mini as am
import nn
from nn import functional as F

from .common import Outcome, runner_for
from .engine_scalar import ScalarMoons
from .problems import ChainProblem, ConvProblem, DigitsProblem, MLPProblem, MoonsProblem, Problem
from .workloads import Workload


def load(params: Iterable[am.Tensor], arrays: Sequence[np.ndarray]) -> None:
    """Copy the problem's initial weights into the parameters."""
    params = list(params)
    assert len(params) == len(arrays)
    with am.no_grad():
        for p, a in zip(params, arrays):
            assert tuple(p.shape) == a.shape, (p.shape, a.shape)
            p.copy_(am.tensor(a))


def mlp(weights: list[np.ndarray], biases: list[np.ndarray]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, w in enumerate(weights):
        layers.append(nn.Linear(w.shape[1], w.shape[0]))
        if i < len(weights) - 1:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    load(model.parameters(), [a for pair in zip(weights, biases) for a in pair])
    return model


def snapshot_grads(names: list[str], params: Iterable[am.Tensor]) -> dict[str, np.ndarray]:
    out = {}
    for name, p in zip(names, params):
        assert p.grad is not None, f"{name} has no gradient"
        out[name] = np.array(p.grad.numpy(), copy=True)
    return out


def snapshot_params(names: list[str], params: Iterable[am.Tensor]) -> dict[str, np.ndarray]:
    return {name: np.array(p.detach().numpy(), copy=True) for name, p in zip(names, params)}


class MLP:
    """W1 / W2: ``nn.Sequential`` of ``nn.Linear`` + ``nn.ReLU``, ``F.cross_entropy``, ``nn.optim.SGD``."""

    def __init__(self, problem: MLPProblem) -> None:
        self.p = problem
        self.model = mlp(problem.weights, problem.biases)
        self.opt = nn.optim.SGD(self.model.parameters(), lr=problem.lr)
        self.x = am.from_numpy(problem.x)
        self.y = am.from_numpy(problem.y)

    def _step(self) -> am.Tensor:
        self.opt.zero_grad()
        loss = F.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss

    def step(self) -> None:
        self._step()

    def check(self) -> Outcome:
        names = self.p.names()
        losses = [float(self._step().item()) for _ in range(2)]
        # The gradients of the second step are still in .grad after its update.
        return Outcome(
            losses,
            snapshot_grads(names, self.model.parameters()),
            snapshot_params(names, self.model.parameters()),
        )

    def info(self) -> dict[str, Any]:
        return {}


class Moons:
    """W3 vectorised: the demo's MLP over the whole batch, hinge loss + alpha * L2, one SGD step."""

    def __init__(self, problem: MoonsProblem) -> None:
        self.p = problem
        self.model = mlp(problem.weights, problem.biases)
        self.params = list(self.model.parameters())
        self.opt = nn.optim.SGD(self.params, lr=problem.lr)
        self.x = am.from_numpy(problem.x)
        self.y = am.from_numpy(problem.y)

    def _step(self) -> am.Tensor:
        scores = self.model(self.x)[:, 0]
        data_loss = (1 - self.y * scores).relu().mean()
        reg_loss = self.p.alpha * sum((p * p).sum() for p in self.params)
        loss = data_loss + reg_loss
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss

    def step(self) -> None:
        self._step()

    def check(self) -> Outcome:
        names = self.p.names()
        loss = float(self._step().item())
        return Outcome([loss], snapshot_grads(names, self.params), snapshot_params(names, self.params))

    def info(self) -> dict[str, Any]:
        return {}


class Chain:
    """W4: the deep chain with Tensor methods and Python-number operands."""

    def __init__(self, problem: ChainProblem) -> None:
        self.p = problem
        self.x = am.tensor(problem.x, requires_grad=True)

    def _run(self) -> am.Tensor:
        p = self.p
        self.x.grad = None
        y = self.x
        for _ in range(p.n):
            y = y.tanh() * p.scale + p.shift
        loss = y.sum()
        loss.backward()
        return loss

    def step(self) -> None:
        self._run()

    def check(self) -> Outcome:
        loss = float(self._run().item())
        assert self.x.grad is not None
        return Outcome([loss], {"x": np.array(self.x.grad.numpy(), copy=True)})

    def info(self) -> dict[str, Any]:
        return {}


class Conv:
    """W5: ``nn.Conv2d``, ``nn.ReLU``, ``nn.MaxPool2d``, ``nn.Flatten``, ``nn.Linear``; forward + backward."""

    def __init__(self, problem: ConvProblem) -> None:
        self.p = problem
        self.model = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(problem.fc_w.shape[1], 10),
        )
        load(self.model.parameters(), problem.params())
        self.x = am.from_numpy(problem.x)
        self.y = am.from_numpy(problem.y)

    def _run(self) -> am.Tensor:
        self.model.zero_grad()
        loss = F.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        return loss

    def step(self) -> None:
        self._run()

    def check(self) -> Outcome:
        loss = float(self._run().item())
        return Outcome([loss], snapshot_grads(self.p.names(), self.model.parameters()))

    def info(self) -> dict[str, Any]:
        return {}


class Digits:
    """W6: a whole training run with ``nn.optim.SGD(momentum=0.9)`` and the test accuracy."""

    def __init__(self, problem: DigitsProblem) -> None:
        self.p = problem
        self.accuracy = float("nan")
        self._reset()

    def _reset(self) -> None:
        self.model = mlp(self.p.weights, self.p.biases)
        self.opt = nn.optim.SGD(self.model.parameters(), lr=self.p.lr, momentum=self.p.momentum)

    def _train_step(self, idx: np.ndarray) -> am.Tensor:
        xb = am.from_numpy(self.p.x_train[idx])
        yb = am.from_numpy(self.p.y_train[idx])
        self.opt.zero_grad()
        loss = F.cross_entropy(self.model(xb), yb)
        loss.backward()
        self.opt.step()
        return loss

    def step(self) -> None:
        self._reset()
        for idx in self.p.batches:
            self._train_step(idx)
        with am.no_grad():
            logits = self.model(am.from_numpy(self.p.x_test))
        self.accuracy = float(np.mean(logits.numpy().argmax(axis=1) == self.p.y_test))

    def check(self) -> Outcome:
        self._reset()
        losses = [float(self._train_step(idx).item()) for idx in self.p.batches[:3]]
        names = self.p.names()
        return Outcome(
            losses, snapshot_grads(names, self.model.parameters()), snapshot_params(names, self.model.parameters())
        )

    def info(self) -> dict[str, Any]:
        return {"test_accuracy": self.accuracy}


RUNNERS: dict[str, Callable[[Any], Any]] = {
    "mlp": MLP,
    "memory": MLP,
    "moons": Moons,
    "moons_scalar": ScalarMoons,
    "chain": Chain,
    "conv": Conv,
    "digits": Digits,
}


def build(workload: Workload, problem: Problem) -> Any:
    """A fresh autograd_mini runner for ``workload``."""
    return runner_for(workload.kind, problem, RUNNERS)
