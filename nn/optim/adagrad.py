"""Adagrad with learning-rate decay, as torch.optim.Adagrad."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, buffer_like, check_hyper, l2_decayed

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Per-coordinate steps ``p <- p - clr g / (sqrt(s) + eps)`` with ``s`` the running sum of ``g^2``.

    ``clr = lr / (1 + (t - 1) lr_decay)`` at step t; ``s`` starts at ``initial_accumulator_value``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyper(lr, 0.0, "Invalid learning rate")
        check_hyper(lr_decay, 0.0, "Invalid lr_decay value")
        check_hyper(weight_decay, 0.0, "Invalid weight_decay value")
        check_hyper(initial_accumulator_value, 0.0, "Invalid initial_accumulator_value value")
        check_hyper(eps, 0.0, "Invalid epsilon value")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:  # torch creates Adagrad's state eagerly
            for param in group["params"]:
                state = self.state[param]
                state["step"] = 0
                state["sum"] = buffer_like(param.data, group["initial_accumulator_value"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> np.ndarray:
        if not state:
            state["step"] = 0
            state["sum"] = buffer_like(param, group["initial_accumulator_value"])
        state["step"] += 1
        grad = l2_decayed(grad, param, group["weight_decay"])
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"].data
        total += grad * grad
        return clr * (grad / (np.sqrt(total) + group["eps"]))
