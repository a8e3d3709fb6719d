"""``Residual``: the skip connection of the lecture notes, z -> z + f(z)."""

from __future__ import annotations

from typing import Any

from .containers import Sequential
from .module import Module

__all__ = ["Residual"]


class Residual(Module):
    """z + fn(z) for a module ``fn`` whose output has the input's shape.

    ``Residual(m1, m2, ...)`` wraps several modules in a Sequential.  The identity path gives every
    earlier layer a direct gradient route, which is what makes deep networks trainable.
    """

    def __init__(self, fn: Module, *more: Module) -> None:
        super().__init__()
        self.fn = Sequential(fn, *more) if more else fn

    def forward(self, input: Any) -> Any:
        out = self.fn(input)
        if getattr(out, "shape", None) != getattr(input, "shape", None):
            raise RuntimeError(
                f"Residual: fn must keep the input's shape for z + fn(z), but it maps {list(input.shape)} "
                f"to {list(out.shape)}"
            )
        return input + out
