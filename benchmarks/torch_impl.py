"""The workloads with PyTorch on the CPU (imported only when available), written as the engine's versions are."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .common import Outcome, runner_for, scalar_layers
from .problems import ChainProblem, ConvProblem, DigitsProblem, MLPProblem, MoonsProblem, Problem
from .workloads import Workload


def load(params: Iterable[torch.Tensor], arrays: Sequence[np.ndarray]) -> None:
    params = list(params)
    assert len(params) == len(arrays)
    with torch.no_grad():
        for p, a in zip(params, arrays):
            assert tuple(p.shape) == a.shape, (p.shape, a.shape)
            p.copy_(torch.from_numpy(np.ascontiguousarray(a)))


def mlp(weights: list[np.ndarray], biases: list[np.ndarray]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, w in enumerate(weights):
        layers.append(nn.Linear(w.shape[1], w.shape[0]))
        if i < len(weights) - 1:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    load(model.parameters(), [a for pair in zip(weights, biases) for a in pair])
    return model


def snapshot_grads(names: list[str], params: Iterable[torch.Tensor]) -> dict[str, np.ndarray]:
    out = {}
    for name, p in zip(names, params):
        assert p.grad is not None, f"{name} has no gradient"
        out[name] = p.grad.detach().numpy().copy()
    return out


def snapshot_params(names: list[str], params: Iterable[torch.Tensor]) -> dict[str, np.ndarray]:
    return {name: p.detach().numpy().copy() for name, p in zip(names, params)}


def _readonly_input(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(a.copy())  # torch warns on non-writable arrays; the problems are shared


class MLP:
    def __init__(self, problem: MLPProblem) -> None:
        self.p = problem
        self.model = mlp(problem.weights, problem.biases)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=problem.lr)
        self.x = _readonly_input(problem.x)
        self.y = _readonly_input(problem.y)

    def _step(self) -> torch.Tensor:
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
        return Outcome(
            losses, snapshot_grads(names, self.model.parameters()), snapshot_params(names, self.model.parameters())
        )

    def info(self) -> dict[str, Any]:
        return {}


class Moons:
    def __init__(self, problem: MoonsProblem) -> None:
        self.p = problem
        self.model = mlp(problem.weights, problem.biases)
        self.params = list(self.model.parameters())
        self.opt = torch.optim.SGD(self.params, lr=problem.lr)
        self.x = _readonly_input(problem.x)
        self.y = _readonly_input(problem.y)

    def _step(self) -> torch.Tensor:
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


class _Neuron:
    def __init__(self, w: np.ndarray, b: float, nonlin: bool) -> None:
        self.w = [torch.tensor(float(v), requires_grad=True) for v in w]
        self.b = torch.tensor(float(b), requires_grad=True)
        self.nonlin = nonlin

    def __call__(self, x: list[torch.Tensor]) -> torch.Tensor:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act


class ScalarMoons:
    def __init__(self, problem: MoonsProblem) -> None:
        self.p = problem
        last = len(problem.weights) - 1
        self.layers = [
            [_Neuron(w[j], float(b[j]), i < last) for j in range(w.shape[0])]
            for i, (w, b) in enumerate(zip(problem.weights, problem.biases))
        ]
        self.params = [p for layer in self.layers for n in layer for p in (*n.w, n.b)]
        self.opt = torch.optim.SGD(self.params, lr=problem.lr)
        self.rows = problem.x.tolist()
        self.labels = problem.y.tolist()

    def _step(self) -> torch.Tensor:
        inputs = [[torch.tensor(v) for v in row] for row in self.rows]
        scores = []
        for x in inputs:
            for layer in self.layers:
                x = [neuron(x) for neuron in layer]
            scores.append(x[0])
        losses = [(1 + -yi * si).relu() for yi, si in zip(self.labels, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = self.p.alpha * sum(p * p for p in self.params)
        loss = data_loss + reg_loss
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss

    def step(self) -> None:
        self._step()

    def check(self) -> Outcome:
        loss = float(self._step().item())
        pairs = [[(n.w, n.b) for n in layer] for layer in self.layers]
        return Outcome(
            [loss],
            scalar_layers(pairs, lambda t: 0.0 if t.grad is None else float(t.grad.item())),
            scalar_layers(pairs, lambda t: float(t.item())),
        )

    def info(self) -> dict[str, Any]:
        return {}


class Chain:
    def __init__(self, problem: ChainProblem) -> None:
        self.p = problem
        self.x = torch.tensor(problem.x, requires_grad=True)

    def _run(self) -> torch.Tensor:
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
        return Outcome([loss], {"x": self.x.grad.numpy().copy()})

    def info(self) -> dict[str, Any]:
        return {}


class Conv:
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
        self.x = _readonly_input(problem.x)
        self.y = _readonly_input(problem.y)

    def _run(self) -> torch.Tensor:
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
    def __init__(self, problem: DigitsProblem) -> None:
        self.p = problem
        self.accuracy = float("nan")
        self.x_train = _readonly_input(problem.x_train)
        self.y_train = _readonly_input(problem.y_train)
        self.batches = [torch.from_numpy(idx.copy()) for idx in problem.batches]
        self._reset()

    def _reset(self) -> None:
        self.model = mlp(self.p.weights, self.p.biases)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=self.p.lr, momentum=self.p.momentum)

    def _train_step(self, idx: torch.Tensor) -> torch.Tensor:
        self.opt.zero_grad()
        loss = F.cross_entropy(self.model(self.x_train[idx]), self.y_train[idx])
        loss.backward()
        self.opt.step()
        return loss

    def step(self) -> None:
        self._reset()
        for idx in self.batches:
            self._train_step(idx)
        with torch.no_grad():
            logits = self.model(_readonly_input(self.p.x_test))
        self.accuracy = float(np.mean(logits.numpy().argmax(axis=1) == self.p.y_test))

    def check(self) -> Outcome:
        self._reset()
        losses = [float(self._train_step(idx).item()) for idx in self.batches[:3]]
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
    """A fresh PyTorch runner for ``workload``."""
    return runner_for(workload.kind, problem, RUNNERS)
