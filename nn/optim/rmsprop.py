"""RMSprop with momentum and the centered variant, as torch.optim.RMSprop."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, buffer_like, check_hyper, l2_decayed

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square: ``v <- alpha v + (1 - alpha) g^2``.

    ``p <- p - lr g / (sqrt(v) + eps)``; ``centered`` subtracts the squared running mean of g from
    ``v``; ``momentum`` keeps a buffer ``b <- mu b + g / (sqrt(v) + eps)`` and steps by ``lr b``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyper(lr, 0.0, "Invalid learning rate")
        check_hyper(eps, 0.0, "Invalid epsilon value")
        check_hyper(momentum, 0.0, "Invalid momentum value")
        check_hyper(weight_decay, 0.0, "Invalid weight_decay value")
        check_hyper(alpha, 0.0, "Invalid alpha value")
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> np.ndarray:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = buffer_like(param)
            if momentum > 0:
                state["momentum_buffer"] = buffer_like(param)
            if group["centered"]:
                state["grad_avg"] = buffer_like(param)
        state["step"] += 1
        grad = l2_decayed(grad, param, group["weight_decay"])
        square_avg = state["square_avg"].data
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"].data
            grad_avg += (1 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if momentum > 0:
            buffer = state["momentum_buffer"].data
            buffer *= momentum
            buffer += grad / avg
            return group["lr"] * buffer
        return group["lr"] * (grad / avg)
