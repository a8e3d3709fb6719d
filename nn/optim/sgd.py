"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay (as torch.optim.SGD)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_hyper, state_copy

__all__ = ["SGD"]


class SGD(Optimizer):
    """``p <- p - lr * d`` where ``d`` is the gradient (plus ``weight_decay * p``), or its momentum buffer.

    With momentum ``mu``: ``b <- mu b + (1 - dampening) g`` (``b = g`` on the first step) and
    ``d = b``, or ``d = g + mu b`` with ``nesterov=True``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyper(lr, 0.0, "Invalid learning rate")
        check_hyper(momentum, 0.0, "Invalid momentum value")
        check_hyper(weight_decay, 0.0, "Invalid weight_decay value")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> np.ndarray:
        weight_decay = group["weight_decay"]
        if weight_decay != 0:  # l2_decayed, inline: this runs once per parameter per step
            grad = grad + weight_decay * param
        momentum = group["momentum"]
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = state_copy(grad)
            else:
                buffer.data *= momentum
                dampening = group["dampening"]
                buffer.data += (1 - dampening) * grad if dampening != 0 else grad  # skip a product by 1
            grad = grad + momentum * buffer.data if group["nesterov"] else buffer.data
        return group["lr"] * grad
