"""The Markdown report (median ms, ratios to the floor and to PyTorch, targets) and its JSON twin."""

from __future__ import annotations

import datetime as _dt
import json
import platform
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .common import ATOL_SCALE, RTOL
from .suite import WorkloadResult
from .systems import LABELS

RESULTS_DIR = Path(__file__).resolve().parent / "results"
COLUMNS = ("floor", "engine", "torch", "micrograd")


def machine_meta(threads: dict[str, Any]) -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    now = _dt.datetime.now().astimezone()
    return {
        "date": now.strftime("%Y-%m-%d"),
        "time": now.strftime("%Y-%m-%d %H:%M %Z"),
        "host": platform.node() or "unknown",
        "cpu": cpu or "unknown",
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        **threads,
    }


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}" if value < 1000 else f"{value:.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{a / b:.2f}x"


def _median(result: WorkloadResult, system: str) -> float | None:
    timing = result.timings.get(system)
    return None if timing is None else timing.median


def _min(result: WorkloadResult, system: str) -> float | None:
    timing = result.timings.get(system)
    return None if timing is None else timing.min


def _mb(n: float | None) -> str:
    return "-" if n is None else f"{n / 2**20:.2f}"


def target_status(result: WorkloadResult) -> tuple[float | None, bool | None]:
    """(the engine's ratio against the target's system, whether the target is met), None where not measured."""
    target = result.workload.target
    if target is None:
        return None, None
    if result.workload.kind == "memory":
        eng = result.memory.get("engine", {}).get("tracemalloc", {}).get("peak_growth")
        ref = result.memory.get(target.against, {}).get("tracemalloc", {}).get("peak_growth")
    else:
        eng, ref = _median(result, "engine"), _median(result, target.against)
    if eng is None or not ref:
        return None, None
    ratio = eng / ref
    met = ratio < target.ratio if target.against == "micrograd" else ratio <= target.ratio
    if result.workload.kind == "digits":
        acc = {s: result.info.get(s, {}).get("test_accuracy") for s in ("engine", "floor")}
        met = met and acc["engine"] == acc["floor"]
    return ratio, met


def _target_cells(result: WorkloadResult) -> tuple[str, str]:
    target = result.workload.target
    if target is None:
        return "-", "-"
    ratio, met = target_status(result)
    if met is None or ratio is None:
        return target.text, "not measured"
    against = "floor" if target.against == "floor" else LABELS[target.against]
    return target.text, f"{'**yes**' if met else '**NO**'} ({ratio:.2f}x {against})"


def render(results: list[WorkloadResult], meta: dict[str, Any], settings: dict[str, Any]) -> str:
    lines = [
        f"# autograd_mini benchmarks: {meta['time']}, {meta['host']}",
        "",
        f"- Machine: {meta['cpu']}, {meta['cpus']} CPUs; {meta['platform']}; Python {meta['python']}.",
        f"- NumPy {meta['numpy']}, BLAS threads: {meta['numpy_blas_threads']} ({meta['numpy_blas_source']}).",
    ]
    if "torch_version" in meta:
        lines.append(f"- PyTorch {meta['torch_version']}, intra-op threads: {meta['torch_threads']} (set to NumPy's).")
    else:
        lines.append("- PyTorch: not installed (its columns are empty).")
    lines += [
        f"- Timing: {settings['describe']}. Each system's median over samples (one sample = the mean of "
        "back-to-back calls lasting >= 5 ms, or one call), systems sampled round-robin in rotating order. "
        "The heap alive before the timed rounds (every system's imports, models and data) is frozen (`gc.freeze()`), "
        "so the collector's full passes during a step scan what the steps allocate, not PyTorch's modules; "
        "each sample ends with a full collection, timed, so that each system pays for freeing its own "
        "garbage in reference cycles (micrograd's graphs) rather than the system sampled next.",
        f"- Cross-check before timing: every system's loss, gradients and updated parameters from the same initial "
        f"weights and data matched the floor's (rtol {RTOL:g}, atol {ATOL_SCALE:g} x the largest reference "
        "magnitude); a mismatch aborts the run.",
        "- The machine is shared (other engineers run tests on it): expect noise of 10-30% between runs; compare "
        "ratios from one run rather than milliseconds across runs. The last two columns use each system's fastest "
        "sample, which load disturbs least. "
        f"Load average (1 min) at start / end: {meta.get('load_start', '?')} / {meta.get('load_end', '?')}.",
        "",
        "## Time per step (median ms) and ratios",
        "",
        "| workload | floor | autograd_mini | PyTorch | micrograd | engine / floor | engine / PyTorch "
        "| PyTorch / floor | target | met | best-sample engine / floor | best-sample engine / PyTorch |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|",
    ]
    timed = [r for r in results if r.timings]
    for r in timed:
        cells = [_ms(_median(r, s)) for s in COLUMNS]
        floor, eng, torch = (_median(r, s) for s in ("floor", "engine", "torch"))
        target, met = _target_cells(r)
        lines.append(
            f"| {r.workload.id} | {' | '.join(cells)} | {_ratio(eng, floor)} | {_ratio(eng, torch)} "
            f"| {_ratio(torch, floor)} | {target} | {met} "
            f"| {_ratio(_min(r, 'engine'), _min(r, 'floor'))} | {_ratio(_min(r, 'engine'), _min(r, 'torch'))} |"
        )
    lines += ["", "Workloads:", ""]
    for r in results:
        note = f" ({r.workload.notes})" if r.workload.notes else ""
        skipped = "".join(f"; {LABELS[s]} skipped: {why}" for s, why in r.skipped.items())
        lines.append(f"- **{r.workload.id}**: {r.workload.title}{note}{skipped}.")

    chain = [r for r in timed if r.workload.kind == "chain"]
    if chain:
        lines += ["", "## W4: time per chain step (µs), for linearity in N", ""]
        lines += [
            "| N | " + " | ".join(LABELS[s] for s in ("floor", "engine", "torch")) + " |",
            "|---:|---:|---:|---:|",
        ]
        for r in chain:
            n = int(r.workload.config["n"])
            per = [_median(r, s) for s in ("floor", "engine", "torch")]
            lines.append(f"| {n} | " + " | ".join("-" if v is None else f"{1e3 * v / n:.2f}" for v in per) + " |")
        if len(chain) > 1:
            lines.append("")
            for s in ("floor", "engine", "torch"):
                per_step = [(int(r.workload.config["n"]), _median(r, s)) for r in chain]
                known = [(n, v / n) for n, v in per_step if v is not None]
                if len(known) > 1:
                    lines.append(
                        f"- {LABELS[s]}: time per step at N = {known[-1][0]} is {known[-1][1] / known[0][1]:.2f}x "
                        f"that at N = {known[0][0]} (1.00x = linear in N)."
                    )

    digits = [r for r in timed if r.workload.kind == "digits"]
    for r in digits:
        lines += ["", "## W6: training run and test accuracy", "", f"Data: {_digits_source(r)}.", ""]
        lines += ["| system | time per training run (ms) | test accuracy |", "|---|---:|---:|"]
        for s in r.timings:
            acc = r.info.get(s, {}).get("test_accuracy")
            lines.append(f"| {LABELS[s]} | {_ms(_median(r, s))} | {'-' if acc is None else f'{acc:.4f}'} |")

    for r in (r for r in results if r.memory):
        steps = next(iter(r.memory.values()))["rss"]["steps"]
        method = next(iter(r.memory.values()))["rss"].get("method", "")
        lines += ["", f"## Memory: peak growth during {steps} W1 steps (MiB), one subprocess per system", ""]
        lines += [
            "| system | tracemalloc peak growth | ratio to floor | RSS high-water growth | ratio to floor |",
            "|---|---:|---:|---:|---:|",
        ]
        floor_tm = r.memory.get("floor", {}).get("tracemalloc", {}).get("peak_growth")
        floor_rss = r.memory.get("floor", {}).get("rss", {}).get("peak_growth")
        for s, m in r.memory.items():
            tm = m.get("tracemalloc", {}).get("peak_growth")
            rss = m["rss"]["peak_growth"]
            lines.append(
                f"| {LABELS[s]} | {_mb(tm) if tm is not None else 'n/a (not seen by tracemalloc)'} "
                f"| {_ratio(tm, floor_tm)} | {_mb(rss)} | {_ratio(rss, floor_rss) if floor_rss else '-'} |"
            )
        target, met = _target_cells(r)
        lines += [
            "",
            f"Target: {target} (tracemalloc): {met}. tracemalloc sees NumPy's buffers and Python objects exactly; "
            f"the RSS figure ({method}) counts pages and allocator caches, and is the only one available for PyTorch.",
        ]

    checks = [r for r in results if r.check]
    if checks:
        lines += ["", "## Cross-check (worst error as a fraction of the tolerance; <= 1 passes)", ""]
        for r in checks:
            parts = ", ".join(f"{LABELS[s]} {v:.2g}" for s, v in r.check.items())
            lines.append(f"- {r.workload.id}: {parts}")
        if any(r.workload.kind == "chain" and int(r.workload.config["n"]) >= 10_000 for r in checks):
            lines.append(
                "- W4 at N >= 1e4: the gradient underflows to exactly 0 in float32 (each step multiplies it by "
                "about 0.98), so there the check compares the loss and an all-zero gradient."
            )
    return "\n".join(lines) + "\n"


def _digits_source(r: WorkloadResult) -> str:
    from .problems import DigitsProblem
    from .workloads import problem_for

    problem = problem_for(r.workload)
    assert isinstance(problem, DigitsProblem)
    return f"{problem.source}; {len(problem.x_train)} train / {len(problem.x_test)} test samples"


def to_json(results: list[WorkloadResult], meta: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"meta": meta, "settings": settings, "workloads": {}}
    for r in results:
        ratio, met = target_status(r)
        out["workloads"][r.workload.id] = {
            "title": r.workload.title,
            "timings_ms": {
                s: {"median": t.median, "min": t.min, "iqr": t.iqr, "inner": t.inner, "samples": t.samples_ms}
                for s, t in r.timings.items()
            },
            "check": r.check,
            "info": r.info,
            "memory": r.memory,
            "target": None if r.workload.target is None else r.workload.target.text,
            "target_ratio": ratio,
            "target_met": met,
        }
    return out


def write(markdown: str, data: dict[str, Any], out_dir: Path) -> list[Path]:
    """``<date>-<machine>.md`` / ``.json`` and ``latest.md`` / ``latest.json`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    machine = re.sub(r"[^A-Za-z0-9_.-]+", "-", data["meta"]["host"]).strip("-") or "machine"
    stem = f"{data['meta']['date']}-{machine}"
    paths = []
    for name in (stem, "latest"):
        md, js = out_dir / f"{name}.md", out_dir / f"{name}.json"
        md.write_text(markdown)
        js.write_text(json.dumps(data, indent=1, default=float) + "\n")
        paths += [md, js]
    return paths


def compare(results: list[WorkloadResult], baseline: dict[str, Any]) -> str:
    """This run's medians against a previous run's JSON. On a noisy machine the ratio to the floor of the same run
    is the steadier figure, so both runs' ratios to their own floor are shown too."""
    lines = [
        f"## Against the run of {baseline.get('meta', {}).get('time', '?')}",
        "",
        "| workload | system | then ms | now ms | now / then | then / floor | now / floor |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        old = baseline.get("workloads", {}).get(r.workload.id, {}).get("timings_ms", {})
        old_floor = old.get("floor", {}).get("median")
        for system, timing in r.timings.items():
            then = old.get(system, {}).get("median")
            lines.append(
                f"| {r.workload.id} | {LABELS[system]} | {_ms(then)} | {_ms(timing.median)} "
                f"| {_ratio(timing.median, then)} | {_ratio(then, old_floor)} "
                f"| {_ratio(timing.median, _median(r, 'floor'))} |"
            )
    return "\n".join(lines) + "\n"
