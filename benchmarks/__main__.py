"""``python -m benchmarks``: autograd_mini against the NumPy floor and PyTorch (see benchmarks/README.md).

Examples::

    python -m benchmarks                              # everything; writes benchmarks/results/<date>-<host>.md + latest.md
    python -m benchmarks --only W2 --repeat 20        # one workload, printed only
    python -m benchmarks --only W2,W4-N1e3 --systems floor,engine --profile engine
    python -m benchmarks --only W2 --compare benchmarks/results/latest.json   # before/after
    python -m benchmarks --smoke                      # every workload once at tiny sizes (what the test runs)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from . import report
from .suite import WorkloadResult, run_workload
from .systems import LABELS, configure_threads
from .workloads import all_workloads, select


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time autograd_mini against a hand-written NumPy floor and PyTorch, after checking their numbers.",
    )
    parser.add_argument("--only", help="comma-separated workload ids or groups: W1, W2, W3 (W3-vec, W3-scalar), "
                        "W4 (W4-N1e3, W4-N1e4, W4-N1e5), W5, W6, mem")  # fmt: skip
    parser.add_argument("--repeat", type=int, help="timed samples per system (default: per workload)")
    parser.add_argument("--warmup", type=int, help="warm-up calls per system (default: per workload)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one call each, nothing written")
    parser.add_argument(
        "--out",
        type=Path,
        help="directory for <date>-<host>.md/.json and latest.md/.json (default: benchmarks/results/ for a full "
        "run; partial or smoke runs are written only when --out is given)",
    )
    parser.add_argument("--systems", help=f"comma-separated subset of {', '.join(LABELS)} (default: all)")
    parser.add_argument("--threads", type=int, help="limit NumPy's BLAS to this many threads (PyTorch follows)")
    parser.add_argument("--profile", metavar="SYSTEM", help="after timing, cProfile SYSTEM's step (e.g. engine)")
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="JSON",
        help="also print medians against an earlier run's JSON (e.g. latest.json)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[WorkloadResult]:
    args = parse_args(argv)
    systems = None if not args.systems else {s.strip() for s in args.systems.split(",") if s.strip()}
    if systems is not None and (unknown := systems - set(LABELS)):
        raise SystemExit(f"unknown system(s) {', '.join(sorted(unknown))}; known: {', '.join(LABELS)}")
    workloads = select(all_workloads(args.smoke), args.only)
    use_torch = systems is None or "torch" in systems
    threads = configure_threads(args.threads, use_torch)

    def log(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    load_start = _load()
    log(
        f"NumPy BLAS threads: {threads['numpy_blas_threads']} ({threads['numpy_blas_source']}); "
        f"PyTorch threads: {threads.get('torch_threads', 'n/a')}"
    )
    results = [
        run_workload(
            w,
            repeat=args.repeat,
            warmup=args.warmup,
            systems=systems,
            smoke=args.smoke,
            threads=args.threads,
            profile=args.profile,
            log=log,
        )
        for w in workloads
    ]
    parts = []
    if args.repeat is not None:
        parts.append(f"--repeat {args.repeat}")
    if args.warmup is not None:
        parts.append(f"--warmup {args.warmup}")
    describe = (
        "smoke mode (tiny sizes, one call each)"
        if args.smoke
        else "samples / warm-up calls: "
        + ", ".join(f"{w.id} {args.repeat or w.repeat}/{w.warmup if args.warmup is None else args.warmup}" for w in workloads if w.kind != "memory")
    )  # fmt: skip
    settings: dict[str, Any] = {"argv": sys.argv[1:] if argv is None else argv, "describe": describe}
    meta = {**report.machine_meta(threads), "load_start": load_start, "load_end": _load()}
    markdown = report.render(results, meta, settings)
    for r in results:
        if r.profile:
            print(f"\n## cProfile of {args.profile} on {r.workload.id}\n\n```\n{r.profile}```")
    print(markdown)
    if args.compare is not None:
        print(report.compare(results, json.loads(args.compare.read_text())))
    full_run = not (args.only or args.smoke or args.systems or args.repeat or args.warmup)
    out_dir = args.out if args.out is not None else (report.RESULTS_DIR if full_run else None)
    if out_dir is not None:
        for path in report.write(markdown, report.to_json(results, meta, settings), out_dir):
            log(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
