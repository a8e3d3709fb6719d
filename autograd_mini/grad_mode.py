"""Grad modes: ``no_grad``, ``enable_grad`` and ``set_grad_enabled``, as context managers and decorators."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from . import engine
from . import node as nodes

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "detect_anomaly",
    "enable_grad",
    "inference_mode",
    "is_anomaly_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
]


class _GradMode:
    """Base: sets the mode on entry, restores the previous mode on exit; usable as a decorator."""

    mode: bool = True

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(engine._set_grad_enabled(self.mode))

    def __exit__(self, *exc: object) -> None:
        engine._set_grad_enabled(self._previous.pop())

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Disable graph recording: results do not require grad, and ops cost plain NumPy plus a wrapper."""

    mode = False


class enable_grad(_GradMode):
    """Re-enable graph recording inside a ``no_grad`` region."""

    mode = True


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` acts at once (as a function) and also works as a context manager."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = bool(mode)
        self._previous.append(engine._set_grad_enabled(self.mode))

    def __enter__(self) -> None:
        pass

    def __call__(self, function: F) -> F:
        engine._set_grad_enabled(self._previous.pop())
        mode = self.mode

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class inference_mode(_GradMode):
    """Like ``no_grad``, and cheaper: results are not versioned and can never enter a graph.

    Tensors made inside are "inference tensors": using one where autograd must save it raises
    (as in PyTorch); ``clone()`` it outside inference mode to get a normal tensor.
    """

    mode = False

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self._enabled = bool(mode)
        self._previous_inference: list[bool] = []

    def __enter__(self) -> None:
        if not self._enabled:
            self._previous.append(engine._set_grad_enabled(engine._grad_enabled))
            self._previous_inference.append(engine._inference_mode)
            return
        super().__enter__()
        self._previous_inference.append(engine._inference_mode)
        engine._inference_mode = True
        nodes._inference_used = True

    def __exit__(self, *exc: object) -> None:
        engine._inference_mode = self._previous_inference.pop()
        super().__exit__(*exc)

    def __call__(self, function: F) -> F:
        enabled = self._enabled

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(enabled):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def is_inference_mode_enabled() -> bool:
    return engine._inference_mode


class detect_anomaly:
    """Record each node's forward stack; a failing or NaN-producing vjp reports where it came from.

    Off by default: outside this context the engine pays one flag check per recorded op.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(engine._anomaly_enabled)
        engine._anomaly_enabled = True

    def __exit__(self, *exc: object) -> None:
        engine._anomaly_enabled = self._previous.pop()

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly():
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def set_detect_anomaly(mode: bool) -> None:
    """Turn anomaly detection on or off globally."""
    engine._anomaly_enabled = bool(mode)


def is_anomaly_enabled() -> bool:
    return engine._anomaly_enabled
