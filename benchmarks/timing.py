"""Warm-up, then the median of repeated ``time.perf_counter`` samples, systems interleaved round-robin."""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass
class Timing:
    """Per-call times in milliseconds; each sample is the mean over ``inner`` back-to-back calls."""

    samples_ms: list[float]
    inner: int

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def min(self) -> float:
        return min(self.samples_ms)

    @property
    def iqr(self) -> tuple[float, float]:
        if len(self.samples_ms) < 2:
            return self.samples_ms[0], self.samples_ms[0]
        q = statistics.quantiles(self.samples_ms, n=4, method="inclusive")
        return q[0], q[2]


def measure(
    steps: Mapping[str, Callable[[], None]],
    repeat: int,
    warmup: int,
    min_sample_s: float = 0.005,
    log: Callable[[str], None] | None = None,
    collect: bool = True,
) -> dict[str, Timing]:
    """Time each system's ``step``.

    Warm-up calls first (their durations pick ``inner``, the calls per sample, so that a sample of a fast step
    lasts at least ``min_sample_s``; with no warm-up every sample is one call). Then ``repeat`` rounds, each
    taking one sample of every system, the order rotating by one each round, so that a burst of load on a
    shared machine hits all systems rather than one. ``collect``: a full garbage collection before the warm-ups
    and before the rounds (about 0.25 s each once PyTorch is imported; the smoke mode skips them), then
    ``gc.freeze()`` for the rounds: without it, PyTorch's import alone (about 145,000 objects the collector
    tracks) made each full collection during an engine's step cost ~50 ms, W4 at N = 1e4 read 7.7x the floor
    instead of 4.8x, and the result depended on which other systems the process had imported.  Each timed
    sample also ends with a full collection, inside the timing: garbage in reference cycles (micrograd's
    graph, every step) is freed by the collector only, and without it the next system sampled paid for
    it (the engine read 1.9x micrograd's time on W3's scalar graph; 0.8x with each system paying its own).
    """
    inner: dict[str, int] = {}
    if collect:
        gc.collect()
    for name, step in steps.items():
        durations = []
        for _ in range(warmup):
            t0 = time.perf_counter()
            step()
            durations.append(time.perf_counter() - t0)
        per_call = min(durations) if durations else math.inf
        inner[name] = 1 if per_call >= min_sample_s else min(1000, math.ceil(min_sample_s / max(per_call, 1e-7)))
        if log and durations:
            log(f"    {name}: warm-up {len(durations)} x {1e3 * per_call:.3f} ms, {inner[name]} call(s) per sample")
    names = list(steps)
    samples: dict[str, list[float]] = {name: [] for name in names}
    if collect:
        gc.collect()
        # Everything alive now (the imported modules of every system, PyTorch's among them, the models and
        # data) moves to the collector's permanent generation: its full passes, which the steps' allocations
        # trigger, then scan what the steps made rather than the heap of systems not being timed.
        gc.freeze()
    try:
        for r in range(repeat):
            k = r % len(names)
            for name in names[k:] + names[:k]:
                step, n = steps[name], inner[name]
                t0 = time.perf_counter()
                for _ in range(n):
                    step()
                if collect:
                    # Garbage in reference cycles (micrograd's closures make some every step) waits for the
                    # collector: free it now, inside the sample, so each system pays for its own, not the next one.
                    gc.collect()
                samples[name].append(1e3 * (time.perf_counter() - t0) / n)
    finally:
        if collect:
            gc.unfreeze()
    return {name: Timing(samples[name], inner[name]) for name in names}
