"""Grad modes: ``no_grad``, ``enable_grad`` and ``set_grad_enabled``, as context managers and decorators."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from . import engine

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["no_grad", "enable_grad", "set_grad_enabled"]


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
