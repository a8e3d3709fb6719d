"""Peak memory growth of W1 over N training steps, each system in its own fresh subprocess.

Two measures, each in its own child process (so the tracer's bookkeeping does not inflate the other):

* ``tracemalloc``: NumPy reports its array buffers to tracemalloc, so for the NumPy-based systems (the floor,
  autograd_mini) the traced peak minus the traced size at the start of the steps is the peak of memory allocated by
  the steps (arrays and Python objects), to the byte. PyTorch's CPU allocator bypasses tracemalloc, so for PyTorch
  this figure would be meaningless and is not taken.
* ``rss``: for every system, the growth of the resident set's high-water mark: the kernel's ``VmHWM`` is reset to the
  current RSS (``echo 5 > /proc/self/clear_refs``) just before the steps and read after them; where that reset is
  refused, ``ru_maxrss`` before and after is used (then a peak below an earlier high-water mark reads as 0). RSS
  counts pages, allocator caching and shared-library pages, so it is coarser (and the same for all systems).

Run as ``python -m benchmarks.memory --system engine --mode tracemalloc`` (prints one JSON line).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _hwm_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmHWM in /proc/self/status")


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child(system: str, mode: str, smoke: bool, threads: int | None) -> dict[str, Any]:
    from .systems import builder, configure_threads
    from .workloads import all_workloads, problem_for

    configure_threads(threads, use_torch=system == "torch")
    workload = next(w for w in all_workloads(smoke) if w.kind == "memory")
    runner = builder(system)(workload, problem_for(workload))
    steps = int(workload.config["steps"])
    gc.collect()
    out: dict[str, Any] = {"system": system, "mode": mode, "steps": steps}
    if mode == "tracemalloc":
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            runner.step()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out.update(peak_growth=peak - base, retained=current - base)
    else:
        exact = _reset_hwm()
        base = _rss_bytes()
        before_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        for _ in range(steps):
            runner.step()
        if exact:
            out.update(peak_growth=_hwm_bytes() - base, method="VmHWM reset by /proc/self/clear_refs")
        else:
            after_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            out.update(peak_growth=after_max - before_max, method="ru_maxrss difference (lower bound)")
        out["retained"] = _rss_bytes() - base
    return out


def measure(systems: list[str], smoke: bool, threads: int | None, timeout: float = 600) -> dict[str, dict[str, Any]]:
    """Run the children; ``{system: {"tracemalloc": {...}, "rss": {...}}}`` (PyTorch has no tracemalloc entry)."""
    results: dict[str, dict[str, Any]] = {}
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    for system in systems:
        modes = ["rss"] if system == "torch" else ["tracemalloc", "rss"]
        results[system] = {}
        for mode in modes:
            cmd = [sys.executable, "-m", "benchmarks.memory", "--system", system, "--mode", mode]
            if smoke:
                cmd.append("--smoke")
            if threads is not None:
                cmd += ["--threads", str(threads)]
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
            if proc.returncode != 0:
                raise RuntimeError(f"memory child for {system} ({mode}) failed:\n{proc.stderr[-4000:]}")
            results[system][mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", required=True)
    parser.add_argument("--mode", choices=("tracemalloc", "rss"), required=True)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)
    print(json.dumps(child(args.system, args.mode, args.smoke, args.threads)))


if __name__ == "__main__":
    main()
