"""Running one workload: cross-check every system against the floor, then time them (or measure memory)."""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import memory
from .common import Outcome, cross_check
from .systems import builder, torch_available
from .timing import Timing, measure
from .workloads import Workload, problem_for


@dataclass
class WorkloadResult:
    workload: Workload
    timings: dict[str, Timing] = field(default_factory=dict)
    check: dict[str, float] = field(default_factory=dict)  # worst |error| / tolerance per system (<= 1)
    reference: Outcome | None = None
    info: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    memory: dict[str, dict[str, Any]] = field(default_factory=dict)
    profile: str = ""


def systems_for(workload: Workload, wanted: set[str] | None) -> tuple[list[str], dict[str, str]]:
    """The systems to run and the skipped ones with the reason."""
    run, skipped = [], {}
    for system in workload.systems:
        if wanted is not None and system not in wanted:
            continue
        if system == "torch" and not torch_available():
            skipped[system] = "PyTorch is not installed"
            continue
        run.append(system)
    return run, skipped


def run_workload(
    workload: Workload,
    repeat: int | None = None,
    warmup: int | None = None,
    systems: set[str] | None = None,
    smoke: bool = False,
    threads: int | None = None,
    profile: str | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> WorkloadResult:
    """Cross-check, then time (or, for the memory workload, measure in subprocesses).

    Every system's ``check()`` (from the problem's initial weights and data) must match the floor's, or
    :class:`benchmarks.common.CrossCheckError` is raised before anything is timed.
    """
    names, skipped = systems_for(workload, systems)
    result = WorkloadResult(workload, skipped=skipped)
    log(f"{workload.id}: {workload.title}")
    try:
        problem = problem_for(workload)
    except ImportError as error:  # W6 needs scikit-learn's digits
        result.skipped = {system: f"{error.name or error} is not installed" for system in workload.systems}
        log(f"  skipped: {error}")
        return result
    result.reference = ref = builder("floor")(workload, problem).check()
    for system in names:
        if system == "floor":
            continue
        got = builder(system)(workload, problem).check()
        result.check[system] = cross_check(system, workload.id, ref, got)
        log(f"  check {system}: matches the floor (worst error {result.check[system]:.2g} of the tolerance)")
    if workload.kind == "memory":
        result.memory = memory.measure(names, smoke, threads)
        return result
    runners = {system: builder(system)(workload, problem) for system in names}
    result.timings = measure(
        {system: runner.step for system, runner in runners.items()},
        workload.repeat if repeat is None else repeat,
        workload.warmup if warmup is None else warmup,
        log=log,
        collect=not smoke,
    )
    result.info = {system: runner.info() for system, runner in runners.items()}
    for system, timing in result.timings.items():
        log(f"  {system:>9}: median {timing.median:10.3f} ms  (min {timing.min:.3f}, {len(timing.samples_ms)} samples)")
    if profile and profile in runners:
        result.profile = profile_runner(runners[profile], result.timings[profile])
    return result


def profile_runner(runner: Any, timing: Timing, budget_s: float = 2.0, top: int = 25) -> str:
    """cProfile of a few more calls of ``runner.step`` (about ``budget_s`` seconds): top functions by own time."""
    calls = max(1, min(500, round(budget_s * 1e3 / max(timing.median, 1e-3))))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        runner.step()
    profiler.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    buffer.write(f"{calls} call(s) of step(); top {top} by own time (tottime), then by cumulative time\n")
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return buffer.getvalue()
