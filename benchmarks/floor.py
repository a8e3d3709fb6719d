"""The floor: hand-written NumPy forward + backward of each workload.

No engine on NumPy can beat these: no graph, no dispatch, the fewest array operations we know how to write
(in-place where it is free), the same float32 arithmetic. Each class follows :class:`benchmarks.common.Runner`.
The dense workloads (W1 / W2, W3, W6) are in :mod:`benchmarks.floor_mlp`, W5's CNN in :mod:`benchmarks.floor_conv`;
W4's chain and :func:`build` are here, and every public name is re-exported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .common import Outcome, runner_for
from .floor_conv import (
    Conv,
    conv3x3_backward,
    conv3x3_forward,
    conv_forward_backward,
    relu_maxpool2_backward,
    relu_maxpool2_forward,
)
from .floor_mlp import MLP, Digits, Moons, cross_entropy, mlp_forward_backward, mlp_predict, moons_forward_backward
from .problems import ChainProblem, Problem
from .workloads import Workload

__all__ = [
    "MLP",
    "Chain",
    "Conv",
    "Digits",
    "Moons",
    "build",
    "conv3x3_backward",
    "conv3x3_forward",
    "conv_forward_backward",
    "cross_entropy",
    "mlp_forward_backward",
    "mlp_predict",
    "moons_forward_backward",
    "relu_maxpool2_backward",
    "relu_maxpool2_forward",
]


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


RUNNERS: dict[str, Callable[[Any], Any]] = {
    "mlp": MLP,
    "memory": MLP,
    "moons": Moons,
    "moons_scalar": Moons,
    "chain": Chain,
    "conv": Conv,
    "digits": Digits,
}


def build(workload: Workload, problem: Problem) -> Any:
    """A fresh floor runner for ``workload``."""
    return runner_for(workload.kind, problem, RUNNERS)
