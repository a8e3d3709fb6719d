"""W3's scalar graph with autograd_mini, as micrograd builds it: every weight a 0-d tensor, one graph node per
scalar operation, ``nn.optim.SGD`` for the update (the vectorised W3 and the other workloads are in
:mod:`benchmarks.engine`, which re-exports :class:`ScalarMoons`)."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
import nn

from .common import Outcome, scalar_layers
from .problems import MoonsProblem


class _Neuron:
    def __init__(self, w: np.ndarray, b: float, nonlin: bool) -> None:
        self.w = [am.tensor(float(v), requires_grad=True) for v in w]
        self.b = am.tensor(float(b), requires_grad=True)
        self.nonlin = nonlin

    def __call__(self, x: list[am.Tensor]) -> am.Tensor:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[am.Tensor]:
        return [*self.w, self.b]


class ScalarMoons:
    """W3 as micrograd does it: every weight a 0-d tensor, one graph node per scalar operation."""

    def __init__(self, problem: MoonsProblem) -> None:
        self.p = problem
        last = len(problem.weights) - 1
        self.layers = [
            [_Neuron(w[j], b[j], i < last) for j in range(w.shape[0])]
            for i, (w, b) in enumerate(zip(problem.weights, problem.biases))
        ]
        self.params = [p for layer in self.layers for neuron in layer for p in neuron.parameters()]
        self.opt = nn.optim.SGD(self.params, lr=problem.lr)
        self.rows = problem.x.tolist()
        self.labels = problem.y.tolist()

    def _model(self, x: list[am.Tensor]) -> am.Tensor:
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x[0]

    def _step(self) -> am.Tensor:
        inputs = [[am.tensor(v) for v in row] for row in self.rows]
        scores = [self._model(x) for x in inputs]
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

        def grad(t: am.Tensor) -> float:
            return 0.0 if t.grad is None else float(t.grad.item())

        def value(t: am.Tensor) -> float:
            return float(t.item())

        return Outcome(
            [loss],
            scalar_layers([[(n.w, n.b) for n in layer] for layer in self.layers], grad),
            scalar_layers([[(n.w, n.b) for n in layer] for layer in self.layers], value),
        )

    def info(self) -> dict[str, Any]:
        return {}
