"""Instructions per step under Valgrind's callgrind: a deterministic figure for before/after comparisons.

Wall-clock ratios on a shared VM move by 30% between runs; the number of machine instructions a step
executes does not move at all, so a change that saves 2% shows as 2%.  It is a proxy, not a timing:
CPython's interpreter loop runs fewer instructions per nanosecond than NumPy's inner loops, so a
ratio of instructions understates the ratio of times on small arrays.  Needs ``valgrind`` (Debian's
package); not used by ``make bench`` or the tests' smoke run.

    python -m benchmarks.instructions --only W2,W4-N1e3                  # floor and engine
    python -m benchmarks.instructions --only W2 --systems engine --steps 200

Each (workload, system) runs in a child process under ``valgrind --tool=callgrind --instr-atstart=no``:
the child builds the runner and warms it up uninstrumented (imports and set-up dominate a short run),
switches instrumentation on with ``callgrind_control``, and runs the steps inside ``itertools.starmap``,
the only C function whose costs are collected (``--toggle-collect=starmap_next``): the switch takes
effect asynchronously, and this way what it lands on is not counted.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .systems import builder
from .workloads import all_workloads, problem_for, select

_TOTALS = re.compile(r"^(?:totals|summary):\s*(\d+)", re.MULTILINE)


def _toggle(state: str) -> None:
    subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], capture_output=True, check=False)


def child(workload_id: str, system: str, steps: int) -> None:
    """Run inside callgrind: warm up, then ``steps`` steps with instrumentation on."""
    (workload,) = select(all_workloads(), workload_id)
    runner = builder(system)(workload, problem_for(workload))
    for _ in range(max(1, workload.warmup)):
        runner.step()
    gc.collect()
    gc.freeze()  # as the timed rounds do (benchmarks.timing.measure)
    _toggle("on")
    # Counted only inside itertools.starmap's C iterator (``--toggle-collect``): the steps themselves,
    # whenever callgrind's asynchronous switch took effect around them.
    for _ in itertools.starmap(runner.step, itertools.repeat((), steps)):
        pass
    _toggle("off")


def count(workload_id: str, system: str, steps: int) -> int:
    """Instructions executed by ``steps`` steps (after the runner's warm-up)."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            "--toggle-collect=starmap_next",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            "--child",
            workload_id,
            system,
            str(steps),
        ]
        # Fixed hash seeds: dict and set layouts, hence counts, repeat exactly.  One BLAS thread: a waiting
        # OpenBLAS worker spins, and callgrind would count its spinning as work.
        env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        subprocess.run(command, check=True, capture_output=True, env=env)
        found = _TOTALS.findall(out.read_text())
    if not found:
        raise RuntimeError(f"no instruction total in callgrind's output for {workload_id} / {system}")
    return int(found[-1])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="W2", help="comma-separated workload ids or groups (default W2)")
    parser.add_argument("--systems", default="floor,engine", help="comma-separated systems (default floor,engine)")
    parser.add_argument("--steps", type=int, default=10, help="counted steps per system (default 10)")
    parser.add_argument("--child", nargs=3, metavar=("WORKLOAD", "SYSTEM", "STEPS"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    missing = [tool for tool in ("valgrind", "callgrind_control") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"needs {' and '.join(missing)} (Debian: apt-get install valgrind)")
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    print("| workload | system | instructions per step | ratio to the first system |")
    print("|---|---|---:|---:|")
    for workload in select(all_workloads(), args.only):
        first: float | None = None
        for system in systems:
            per_step = count(workload.id, system, args.steps) / args.steps
            first = per_step if first is None else first
            print(f"| {workload.id} | {system} | {per_step:,.0f} | {per_step / first:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
