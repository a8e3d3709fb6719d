"""Workload definitions (W1..W6 and the W1 memory run): ids, titles, sizes (full and smoke), seeds and targets.

The arrays each workload runs on (data and initial weights) are built in :mod:`benchmarks.problems`; the problem
types are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .problems import (
    F32,
    ChainProblem,
    ConvProblem,
    DigitsProblem,
    MLPProblem,
    MoonsProblem,
    Problem,
    build_problem,
    chain_problem,
    conv_problem,
    digits_problem,
    mlp_problem,
    moons_problem,
    two_moons,
)

__all__ = [
    "F32",
    "FULL",
    "NUMPY_SYSTEMS",
    "SMOKE",
    "ChainProblem",
    "ConvProblem",
    "DigitsProblem",
    "MLPProblem",
    "MoonsProblem",
    "Problem",
    "Target",
    "Workload",
    "all_workloads",
    "chain_problem",
    "conv_problem",
    "digits_problem",
    "mlp_problem",
    "moons_problem",
    "problem_for",
    "select",
    "two_moons",
]


@dataclass(frozen=True)
class Target:
    """``ratio`` of the engine's median time to the ``against`` system's (``floor``, ``torch`` or ``micrograd``)."""

    against: str
    ratio: float
    text: str


@dataclass(frozen=True)
class Workload:
    id: str  # unique, e.g. "W4-N1e4"
    group: str  # what ``--only`` matches besides the id, e.g. "W4"
    title: str
    kind: str  # mlp | moons | moons_scalar | chain | conv | digits | memory
    config: Mapping[str, Any]
    systems: tuple[str, ...]  # systems timed, in order; the first one is the reference for the cross-check
    target: Target | None
    repeat: int
    warmup: int
    notes: str = ""


def problem_for(workload: Workload) -> Problem:
    """The workload's arrays (cached: treat them as read-only)."""
    return build_problem(workload.kind, tuple(sorted(workload.config.items())))


# ----------------------------------------------------------------------------------------------- the list
NUMPY_SYSTEMS = ("floor", "engine", "torch")


@dataclass(frozen=True)
class _Sizes:
    """Full and smoke sizes of every workload."""

    w1: tuple[int, ...] = (784, 256, 256, 10)
    w1_batch: int = 128
    w2: tuple[int, ...] = (64, 32, 32, 10)
    w2_batch: int = 8
    moons_n: int = 100
    chain_ns: tuple[int, ...] = (1_000, 10_000, 100_000)
    conv_batch: int = 64
    conv_side: int = 28
    digits_epochs: int = 20
    memory_steps: int = 20


FULL = _Sizes()
SMOKE = _Sizes(
    w1=(48, 16, 16, 10),
    w1_batch=4,
    w2=(8, 4, 4, 3),
    w2_batch=2,
    moons_n=6,
    chain_ns=(10, 100),
    conv_batch=2,
    conv_side=8,
    digits_epochs=1,
    memory_steps=2,
)


def _chain_label(n: int) -> str:
    exponent = round(math.log10(n))
    return f"1e{exponent}" if 10**exponent == n else str(n)


def all_workloads(smoke: bool = False) -> list[Workload]:
    s = SMOKE if smoke else FULL
    rep = (lambda n: 1) if smoke else (lambda n: n)  # smoke: every workload once, no warm-up
    warm = (lambda n: 0) if smoke else (lambda n: n)
    out = [
        Workload(
            "W1",
            "W1",
            f"MLP {'-'.join(map(str, s.w1))} ReLU, softmax CE, batch {s.w1_batch}, fwd+bwd+SGD step",
            "mlp",
            {"sizes": s.w1, "batch": s.w1_batch, "lr": 0.01, "seed": 1},
            NUMPY_SYSTEMS,
            Target("floor", 1.10, "<= 1.10x floor"),
            rep(30),
            warm(5),
        ),
        Workload(
            "W2",
            "W2",
            f"MLP {'-'.join(map(str, s.w2))} ReLU, softmax CE, batch {s.w2_batch}, fwd+bwd+SGD step",
            "mlp",
            {"sizes": s.w2, "batch": s.w2_batch, "lr": 0.01, "seed": 2},
            NUMPY_SYSTEMS,
            Target("floor", 2.0, "<= 2.0x floor"),
            rep(30),
            warm(5),
        ),
        Workload(
            "W3-vec",
            "W3",
            f"micrograd demo MLP 2-16-16-1 on {s.moons_n} two-moons points, hinge + 1e-4 L2, one step, vectorised",
            "moons",
            {"n": s.moons_n, "sizes": (2, 16, 16, 1), "alpha": 1e-4, "lr": 1.0, "seed": 3},
            NUMPY_SYSTEMS,
            Target("floor", 4.0, "<= 4x floor"),
            rep(30),
            warm(5),
        ),
        Workload(
            "W3-scalar",
            "W3",
            f"the same as a graph of 0-d scalar tensors (node per scalar op), {s.moons_n} points",
            "moons_scalar",
            {"n": s.moons_n, "sizes": (2, 16, 16, 1), "alpha": 1e-4, "lr": 1.0, "seed": 3},
            ("micrograd", "engine", "torch"),
            Target("micrograd", 1.0, "faster than micrograd Value"),
            rep(5),
            warm(1),
            "checked against the vectorised floor's numbers; timed against the pure-Python Value class",
        ),
    ]
    for n in s.chain_ns:
        big = n >= 100_000
        # Samples of one call each: 30 at N = 1e3 (a 10 ms call; ten samples let one burst of load move the
        # median), 10 at 1e4, 3 at 1e5 (seconds per call).
        samples = 3 if big else 10 if n >= 10_000 else 30
        out.append(
            Workload(
                f"W4-N{_chain_label(n)}",
                "W4",
                f"deep chain y = tanh(y) * 1.0001 + 0.001, 16 elements, N = {n}, backward of y.sum()",
                "chain",
                {"n": n, "width": 16, "seed": 4},
                NUMPY_SYSTEMS,
                Target("floor", 4.0, "<= 4x floor"),
                rep(samples),
                warm(0 if big else 1),
            )
        )
    out += [
        Workload(
            "W5",
            "W5",
            f"conv(1->8)-ReLU-pool-conv(8->16)-ReLU-pool-linear, CE, batch {s.conv_batch} of 1x{s.conv_side}x{s.conv_side}, fwd+bwd",
            "conv",
            {"batch": s.conv_batch, "side": s.conv_side, "seed": 5},
            NUMPY_SYSTEMS,
            Target("torch", 2.0, "<= 2.0x PyTorch"),
            rep(20),
            warm(3),
        ),
        Workload(
            "W6",
            "W6",
            f"digits MLP 64-64-10, SGD momentum 0.9, lr 0.05, batch 32, {s.digits_epochs} epochs (time per training run)",
            "digits",
            {
                "sizes": (64, 64, 10),
                "batch": 32,
                "lr": 0.05,
                "momentum": 0.9,
                "epochs": s.digits_epochs,
                "seed": 6,
                "smoke": smoke,
            },
            NUMPY_SYSTEMS,
            Target("floor", 2.0, "<= 2.0x floor, same test accuracy"),
            rep(9),  # one call per sample (a whole training run): five let two slow ones move the median
            warm(1),
        ),
        Workload(
            "mem",
            "mem",
            f"peak memory growth of W1 over {s.memory_steps} steps, each system in its own subprocess",
            "memory",
            {"sizes": s.w1, "batch": s.w1_batch, "lr": 0.01, "seed": 1, "steps": s.memory_steps, "smoke": smoke},
            NUMPY_SYSTEMS,
            Target("floor", 1.5, "peak growth <= 1.5x floor"),
            1,
            0,
        ),
    ]
    return out


def select(workloads: list[Workload], only: str | None) -> list[Workload]:
    """Workloads whose id or group is named in the comma-separated ``only`` (case-insensitive), or all."""
    if not only:
        return workloads
    wanted = [w.strip().lower() for w in only.split(",") if w.strip()]
    chosen = [w for w in workloads if w.id.lower() in wanted or w.group.lower() in wanted]
    unknown = [name for name in wanted if not any(name in (w.id.lower(), w.group.lower()) for w in workloads)]
    if unknown:
        known = ", ".join(sorted({w.group for w in workloads} | {w.id for w in workloads}))
        raise SystemExit(f"unknown workload(s) {', '.join(unknown)}; known: {known}")
    return chosen
