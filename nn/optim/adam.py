"""Adam (with AMSGrad and L2 or decoupled weight decay) and AdamW, as torch.optim.Adam / AdamW."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, buffer_like, check_hyper, l2_decayed

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam: bias-corrected running means of the gradient (``exp_avg``) and its square (``exp_avg_sq``).

    ``p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``; ``amsgrad`` uses the running
    maximum of ``v``; ``weight_decay`` adds ``wd * p`` to the gradient, or with
    ``decoupled_weight_decay=True`` (AdamW) multiplies ``p`` by ``1 - lr * wd`` first.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_hyper(lr, 0.0, "Invalid learning rate")
        check_hyper(eps, 0.0, "Invalid epsilon value")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        check_hyper(weight_decay, 0.0, "Invalid weight_decay value")
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> np.ndarray:
        lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = buffer_like(param)
            state["exp_avg_sq"] = buffer_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = buffer_like(param)
        state["step"] += 1
        step = state["step"]
        decay = None
        if weight_decay != 0 and group["decoupled_weight_decay"]:
            decay = param * (lr * weight_decay)  # AdamW: p <- p (1 - lr wd), folded into the update
        else:
            grad = l2_decayed(grad, param, weight_decay)
        exp_avg, exp_avg_sq = state["exp_avg"].data, state["exp_avg_sq"].data
        exp_avg += (1 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = math.sqrt(1 - beta2**step)
        if group["amsgrad"]:
            max_sq = state["max_exp_avg_sq"].data
            np.maximum(max_sq, exp_avg_sq, out=max_sq)
            denom = np.sqrt(max_sq) / bias_correction2_sqrt + eps
        else:
            denom = np.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
        update = step_size * (exp_avg / denom)
        return update if decay is None else decay + update


class AdamW(Adam):
    """Adam with decoupled weight decay (``p <- p (1 - lr wd)`` before the Adam step); ``weight_decay=1e-2``."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True)
