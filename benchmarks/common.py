"""What every system's runner provides, and the cross-check against the floor's numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np

# float32 throughout: a relative tolerance of 1e-4, and an absolute one of ATOL_SCALE times the largest
# magnitude among the reference's arrays of the same kind (all gradients, or all parameters): entries near
# zero carry the rounding of the larger terms they were summed from, and an array can be exactly zero.
RTOL = 1e-4
ATOL_SCALE = 1e-5

S = TypeVar("S")


@dataclass
class Outcome:
    """The numbers a system produced from the problem's initial weights and data.

    ``losses``: the loss of each checked step; ``grads``: the gradients of the last checked step's backward;
    ``params``: the parameters after the last checked step's update (empty where a workload has no update).
    """

    losses: list[float]
    grads: dict[str, np.ndarray]
    params: dict[str, np.ndarray] = field(default_factory=dict)


class Runner(Protocol):
    """One system set up on one workload."""

    def step(self) -> None:
        """The timed unit of work (one training step, one forward+backward, or one training run for W6)."""

    def check(self) -> Outcome:
        """Run the checked steps from the initial weights (called once, on a fresh runner, before any step)."""

    def info(self) -> dict[str, Any]:
        """Extra figures after timing (W6's test accuracy); empty for most workloads."""


class CrossCheckError(AssertionError):
    """A system's numbers disagree with the floor's: its timings would be meaningless."""


def _compare(name: str, ref: np.ndarray, got: np.ndarray, rtol: float, atol: float) -> tuple[float, str | None]:
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    if ref.shape != got.shape:
        return np.inf, f"{name}: shape {got.shape} != floor's {ref.shape}"
    if not np.all(np.isfinite(got)):
        return np.inf, f"{name}: non-finite values"
    if ref.size == 0:
        return 0.0, None
    excess = np.abs(got - ref) - rtol * np.abs(ref)
    # The figure recorded in the report: the worst error relative to the tolerance (<= 1 passes).
    worst = float(np.max(np.abs(got - ref) / (rtol * np.abs(ref) + atol + 1e-300)))
    if np.any(excess > atol):
        i = int(np.argmax(excess))
        return worst, (
            f"{name}: max |diff| {float(np.max(np.abs(got - ref))):.3g} (at flat index {i}: "
            f"{got.flat[i]:.8g} vs floor {ref.flat[i]:.8g}; tolerance rtol={rtol:g}, atol={atol:.3g})"
        )
    return worst, None


def cross_check(
    system: str, workload: str, ref: Outcome, got: Outcome, rtol: float = RTOL, atol_scale: float = ATOL_SCALE
) -> float:
    """Raise :class:`CrossCheckError` unless ``got`` matches ``ref``; return the worst error / tolerance."""
    problems: list[str] = []
    worst = 0.0
    if len(ref.losses) != len(got.losses):
        problems.append(f"{len(got.losses)} losses, floor has {len(ref.losses)}")
    else:
        for i, (a, b) in enumerate(zip(ref.losses, got.losses)):
            w, msg = _compare(f"loss[{i}]", np.array(a), np.array(b), rtol, atol_scale * abs(a))
            worst = max(worst, w)
            if msg:
                problems.append(msg)
    for label, ref_arrays, got_arrays in (("grad", ref.grads, got.grads), ("param", ref.params, got.params)):
        if set(ref_arrays) != set(got_arrays):
            problems.append(f"{label} names {sorted(got_arrays)} != floor's {sorted(ref_arrays)}")
            continue
        scale = max((float(np.max(np.abs(a))) for a in ref_arrays.values() if np.size(a)), default=0.0)
        for name in ref_arrays:
            w, msg = _compare(f"{label} {name}", ref_arrays[name], got_arrays[name], rtol, atol_scale * scale)
            worst = max(worst, w)
            if msg:
                problems.append(msg)
    if problems:
        raise CrossCheckError(
            f"{workload}: {system} disagrees with the NumPy floor, so it is not timed:\n  " + "\n  ".join(problems)
        )
    return worst


def scalar_layers(
    layers: Sequence[Sequence[tuple[Sequence[S], S]]], read: Callable[[S], float]
) -> dict[str, np.ndarray]:
    """Arrays ``l{i}.weight`` (out, in) and ``l{i}.bias`` (out,) from scalar networks' per-neuron (weights, bias)."""
    out: dict[str, np.ndarray] = {}
    for i, layer in enumerate(layers):
        out[f"l{i}.weight"] = np.array([[read(w) for w in ws] for ws, _ in layer], dtype=np.float32)
        out[f"l{i}.bias"] = np.array([read(b) for _, b in layer], dtype=np.float32)
    return out


def runner_for(kind: str, problem: Any, runners: dict[str, Callable[[Any], Any]]) -> Any:
    """A fresh runner of one system for a workload ``kind``, from that system's kind -> runner table."""
    if kind not in runners:
        raise ValueError(f"no runner for workload kind {kind!r}")
    return runners[kind](problem)
