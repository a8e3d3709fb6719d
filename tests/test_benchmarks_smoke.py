"""The benchmark harness (benchmarks/, never collected itself) in smoke mode: every workload once at tiny sizes, every
system's numbers cross-checked against the NumPy floor before it is timed. PyTorch parts are skipped without torch."""

from __future__ import annotations

import gc
import importlib.util
import shutil
import time
import weakref
from typing import Any

import numpy as np
import pytest

from benchmarks import instructions, memory, timing
from benchmarks.__main__ import main
from benchmarks.common import CrossCheckError, Outcome, cross_check
from benchmarks.workloads import all_workloads

HAS_TORCH = importlib.util.find_spec("torch") is not None


def test_smoke_mode_runs_and_cross_checks_every_workload(capsys: pytest.CaptureFixture[str]) -> None:
    timed = [w for w in all_workloads(smoke=True) if w.kind != "memory"]
    results = main(["--smoke", "--quiet", "--only", ",".join(w.id for w in timed)])
    assert [r.workload.id for r in results] == [w.id for w in timed]
    for r in results:
        expected = [s for s in r.workload.systems if s != "torch" or HAS_TORCH]
        assert list(r.timings) == expected, r.workload.id
        assert all(t.median > 0 for t in r.timings.values())
        # Every system but the floor was checked against the floor, and passed (errors within the tolerance).
        assert set(r.check) == set(expected) - {"floor"}
        assert all(0 <= v <= 1 for v in r.check.values()), r.check
        assert ("torch" in r.skipped) == (not HAS_TORCH)
    digits = next(r for r in results if r.workload.kind == "digits")
    assert 0 <= digits.info["engine"]["test_accuracy"] <= 1
    out = capsys.readouterr().out
    assert "| W1 |" in out and "| W4-N1e2 |" in out and "test accuracy" in out


def test_timed_rounds_run_on_a_frozen_heap_and_unfreeze_after() -> None:
    seen: list[int] = []

    def step() -> None:
        seen.append(gc.get_freeze_count())

    before = gc.get_freeze_count()
    timings = timing.measure({"probe": step}, repeat=3, warmup=1)
    assert len(timings["probe"].samples_ms) == 3
    # The warm-up ran on the heap as it was; every timed call saw it frozen, and the end of measure() thawed it.
    assert seen[0] == before
    assert all(frozen > 0 for frozen in seen[1:])
    assert gc.get_freeze_count() == before


def test_each_sample_frees_its_own_cyclic_garbage() -> None:
    """A step that leaves a reference cycle behind: the sample's closing collection frees it before the next
    sample starts, so the next system sampled does not pay for it."""
    previous: list[weakref.ref[Any]] = []
    survived: list[bool] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    def step() -> None:
        survived.append(bool(previous) and previous[-1]() is not None)
        time.sleep(0.006)  # longer than a sample's minimum, so that every sample is one call
        previous.append(weakref.ref(Cycle()))

    timing.measure({"cyclic": step}, repeat=4, warmup=1)
    assert survived[2:] == [False] * 3  # the first timed call follows the warm-up's collection


def test_memory_children_measure_peak_growth() -> None:
    results = memory.measure(["floor", "engine"], smoke=True, threads=1)
    for system in ("floor", "engine"):
        assert results[system]["tracemalloc"]["peak_growth"] > 0
        assert results[system]["rss"]["peak_growth"] >= 0


def test_cross_check_fails_loudly_on_wrong_numbers() -> None:
    rng = np.random.default_rng(0)
    grads = {"w": rng.standard_normal((3, 4)).astype(np.float32), "b": np.zeros(4, np.float32)}
    ref = Outcome([1.5], grads, {"w": np.ones((3, 4), np.float32)})
    same = Outcome([1.5], {k: v.copy() for k, v in grads.items()}, {"w": np.ones((3, 4), np.float32)})
    assert cross_check("engine", "W0", ref, same) == 0.0
    wrong_grad = Outcome([1.5], {**grads, "w": grads["w"] * np.float32(1.001)}, ref.params)
    with pytest.raises(CrossCheckError, match="grad w"):
        cross_check("engine", "W0", ref, wrong_grad)
    with pytest.raises(CrossCheckError, match="loss"):
        cross_check("engine", "W0", ref, Outcome([1.51], grads, ref.params))
    with pytest.raises(CrossCheckError, match="shape"):
        cross_check("engine", "W0", ref, Outcome([1.5], {**grads, "b": np.zeros(5, np.float32)}, ref.params))
    with pytest.raises(CrossCheckError, match="param w"):
        cross_check("engine", "W0", ref, Outcome([1.5], grads, {"w": np.full((3, 4), 1.01, np.float32)}))


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind (callgrind)")
def test_instruction_counts_are_per_step_and_repeat_exactly() -> None:
    # Only the steps are counted (nothing for none), the same figure every time, about twice for twice the steps.
    assert instructions.count("W2", "floor", 0) < 1_000
    two = instructions.count("W2", "floor", 2)
    assert instructions.count("W2", "floor", 2) == two
    assert 100_000 < two < 100_000_000
    assert abs(instructions.count("W2", "floor", 4) - 2 * two) < 0.05 * two
