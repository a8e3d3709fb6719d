"""The systems compared, how to build each one's runner, and the thread settings (recorded in every report)."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from typing import Any

from .problems import Problem
from .workloads import Workload

LABELS = {
    "floor": "NumPy floor",
    "engine": "autograd_mini",
    "torch": "PyTorch",
    "micrograd": "micrograd Value",
}

Builder = Callable[[Workload, Problem], Any]


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def builder(system: str) -> Builder:
    """The ``build(workload, problem)`` of ``system`` (imports PyTorch only when asked for it)."""
    if system == "floor":
        from . import floor

        return floor.build
    if system == "engine":
        from . import engine

        return engine.build
    if system == "torch":
        from . import torch_impl

        return torch_impl.build
    if system == "micrograd":
        from . import micrograd

        def build(workload: Workload, problem: Problem) -> Any:
            from .problems import MoonsProblem

            assert workload.kind == "moons_scalar" and isinstance(problem, MoonsProblem)
            return micrograd.ScalarMoons(problem)

        return build
    raise ValueError(f"unknown system {system!r}; known: {', '.join(LABELS)}")


# ------------------------------------------------------------------------------------------------- threads
_LIMITS: list[Any] = []  # keeps a threadpoolctl limit alive for the process


def numpy_blas_threads() -> tuple[int | None, str]:
    """NumPy's BLAS thread count and how it was found."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            if os.environ.get(var, "").isdigit():
                return int(os.environ[var]), f"${var} (threadpoolctl not installed)"
        return None, "unknown (threadpoolctl not installed, no thread variable set)"
    import numpy  # noqa: F401 - loads NumPy's BLAS so that threadpoolctl sees it

    blas = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    mine = [i for i in blas if "numpy" in str(i.get("filepath", ""))]  # numpy.libs/, not PyTorch's
    chosen = (mine or blas)[:1]
    if not chosen:
        return None, "unknown (threadpoolctl found no BLAS)"
    info = chosen[0]
    return int(info["num_threads"]), f"threadpoolctl: {info.get('internal_api')} {info.get('version')}"


def configure_threads(threads: int | None, use_torch: bool) -> dict[str, Any]:
    """Optionally limit NumPy's BLAS to ``threads``; set PyTorch's intra-op threads to NumPy's BLAS threads.

    Without threadpoolctl and without a thread variable, NumPy's count is unknown and both are taken as 1
    (PyTorch is set to 1; NumPy keeps its default, which the report says).
    """
    if threads is not None:
        try:
            from threadpoolctl import threadpool_limits

            _LIMITS.append(threadpool_limits(limits=threads, user_api="blas"))
        except ImportError:
            pass
    numpy_threads, source = numpy_blas_threads()
    info: dict[str, Any] = {"numpy_blas_threads": numpy_threads, "numpy_blas_source": source, "cpus": os.cpu_count()}
    if use_torch and torch_available():
        import torch

        torch.set_num_threads(numpy_threads or threads or 1)
        info["torch_threads"] = torch.get_num_threads()
        info["torch_version"] = torch.__version__
    return info
