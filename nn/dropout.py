"""Dropout layers: active in training mode only; draws from the engine's seeded generator."""

from __future__ import annotations

import numpy as np

from autograd_mini import Tensor

from . import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"]


class Dropout(Module):
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p) in training; identity in eval.

    Masks come from ``generator`` when given, else from ``autograd_mini.default_generator()``
    (so ``autograd_mini.manual_seed(s)`` makes them reproducible).
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, *, generator: np.random.Generator | None = None) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace
        self.generator = generator

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """Zero whole channels of (N, C, L) or (C, L)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace, generator=self.generator)


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) or (C, H, W)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace, generator=self.generator)


class Dropout3d(Dropout):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace, generator=self.generator)
