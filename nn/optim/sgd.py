"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay (as torch.optim.SGD)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

import autograd_mini as am

from .optimizer import Closure, Optimizer, check_hyper, state_copy

__all__ = ["SGD"]

# One reusable no_grad (it keeps a stack of previous modes, so nesting is safe).
_foreach_add = am.foreach_add_
_NO_GRAD = am.no_grad()


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

    def step(self, closure: Closure | None = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()`` when given.

        :meth:`Optimizer.step` with SGD's update written out: the hyperparameters are read once per
        group per step (still every step, so a scheduler's or the user's changes apply at once), each
        parameter costs a few NumPy calls, and one ``am.foreach_add_`` writes every update in place (each
        parameter's version moves).  As in torch, only momentum keeps per-parameter state (its buffer):
        plain SGD leaves ``state`` (and the state dict's ``"state"``) empty.
        """
        loss = self._begin_step(closure)
        state = self.state
        with _NO_GRAD:
            for group in self.param_groups:
                # Read on every step (a scheduler or the user may change them in between), once per group.
                lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
                weight_decay, nesterov = group["weight_decay"], group["nesterov"]
                maximize = group.get("maximize", False)
                damps, decays, has_momentum = dampening != 0, weight_decay != 0, momentum != 0
                if not (maximize or decays or has_momentum) and type(lr) is float:
                    # Plain SGD, the usual case: as torch's multi-tensor SGD, p += -lr * g in one call.
                    params = [param for param in group["params"] if param.grad is not None]
                    _foreach_add(params, [param.grad for param in params], alpha=-lr)
                    continue
                given = (-lr, momentum, 1 - dampening, weight_decay)
                dtype: np.dtype[Any] | None = None
                scalars = given
                targets, updates = [], []
                for param in group["params"]:
                    grad_tensor = param.grad
                    if grad_tensor is None:
                        continue
                    data, grad = param.data, grad_tensor.data
                    if data.dtype is not dtype:
                        dtype = data.dtype
                        scalars = _scalars(given, dtype)
                    # The 0-d constants only meet arrays of their own dtype; anything else gets the values as given.
                    step_, momentum_, keep_, decay_ = scalars if grad.dtype is dtype else given
                    if maximize:
                        grad = -grad
                    if decays:
                        grad = grad + decay_ * data
                    if has_momentum:  # only here: state[param] makes an entry (a defaultdict)
                        param_state = state[param]
                        buffer_tensor = param_state.get("momentum_buffer")
                        if buffer_tensor is None:
                            buffer_tensor = param_state["momentum_buffer"] = state_copy(grad)
                            buffer = buffer_tensor.data
                        else:
                            buffer = buffer_tensor.data
                            if buffer.dtype is not dtype:
                                step_, momentum_, keep_, decay_ = given
                            buffer *= momentum_
                            buffer += keep_ * grad if damps else grad  # skip a product by 1
                        grad = grad + momentum_ * buffer if nesterov else buffer
                    update = step_ * grad
                    if type(update) is not np.ndarray or update.dtype is not dtype:  # lr a Tensor, mixed dtypes
                        update = np.asarray(update, dtype=dtype)
                    targets.append(param)
                    updates.append(update)
                # One in-place add per parameter (what ``param.add_(update)`` runs, without its method call); the
                # parameters' versions move (a graph saved before the step refuses to backpropagate).
                _foreach_add(targets, updates)
        return loss


def _scalars(values: tuple[Any, ...], dtype: np.dtype[Any]) -> tuple[Any, ...]:
    """``values`` (-lr, momentum, 1 - dampening, weight_decay) with each Python float made a 0-d array of the
    floating ``dtype``.

    A NumPy op takes a 0-d array of the other operand's dtype about 0.3 us faster than a Python float,
    with the same result: NumPy casts a Python number to the array's dtype first (NEP 50), and each
    update op has one scalar operand.  The arrays come from ``am.scalar_array`` (cached, read-only),
    since the same few values recur every step.  Ints (the defaults: momentum 0, dampening 0, so a
    ``1 - dampening`` of 1) stay numbers; NumPy scalars and Tensors keep their own precision (a float64
    scalar promotes a float32 product), so they stay too.
    """
    if dtype.kind != "f":
        return values
    step, momentum, keep, decay = values
    return (  # only exact floats: an equal NumPy scalar or Tensor keeps its own precision
        am.scalar_array(step, dtype) if type(step) is float else step,
        am.scalar_array(momentum, dtype) if type(momentum) is float else momentum,
        am.scalar_array(keep, dtype) if type(keep) is float else keep,
        am.scalar_array(decay, dtype) if type(decay) is float else decay,
    )
