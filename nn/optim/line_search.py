"""Line searches: PyTorch's strong-Wolfe search (used by LBFGS) and backtracking Armijo gradient descent.

Both work on flat NumPy vectors: ``obj_func(x, t, d)`` evaluates the loss and its flat gradient
at ``x + t d`` and restores ``x``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import autograd_mini as am

from .optimizer import Closure, Optimizer, check_hyper

__all__ = ["GradientDescentLineSearch", "cubic_interpolate", "strong_wolfe"]

ObjFunc = Callable[[Any, float, np.ndarray], tuple[float, np.ndarray]]


def cubic_interpolate(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float, bounds: tuple[float, float] | None = None
) -> float:
    """Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``."""
    xmin_bound, xmax_bound = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return float(min(max(min_pos, xmin_bound), xmax_bound))
    return (xmin_bound + xmax_bound) / 2.0


def strong_wolfe(
    obj_func: ObjFunc,
    x: Any,
    t: float,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, float, int]:
    """Find a step t satisfying the strong Wolfe conditions (a port of torch.optim.lbfgs._strong_wolfe).

    Returns ``(f_new, g_new, t, function_evaluations)``.
    """
    d_norm = float(np.abs(d).max())
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[np.ndarray] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f, bracket_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f, bracket_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        previous = t
        t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket until a point satisfies the conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], evals


class FlatParams:
    """The parameters of one group seen as a single flat vector (shared by LBFGS and the line search)."""

    def __init__(self, params: list[Any]) -> None:
        self.params = params

    def gather_grad(self) -> np.ndarray:
        """The flat gradient (zeros for parameters without one)."""
        return np.concatenate(
            [np.zeros(p.data.size, p.dtype) if p.grad is None else p.grad.data.reshape(-1) for p in self.params]
        )

    def add(self, step: float, direction: np.ndarray) -> None:
        """``p += step * direction`` in place (``add_`` under no_grad, so versions move), slice by slice."""
        offset = 0
        with am.no_grad():
            for p in self.params:
                n = p.data.size
                p.add_(am.as_tensor((step * direction[offset : offset + n]).reshape(p.shape).astype(p.dtype)))
                offset += n

    def clone(self) -> list[np.ndarray]:
        return [p.data.copy() for p in self.params]

    def restore(self, saved: list[np.ndarray]) -> None:
        with am.no_grad():
            for p, data in zip(self.params, saved):
                p[...] = data

    def evaluate(self, closure: Closure, x: list[np.ndarray], t: float, d: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss and flat gradient at ``x + t d``, leaving the parameters at ``x``."""
        self.add(t, d)
        with am.enable_grad():
            loss = float(closure())
        grad = self.gather_grad()
        self.restore(x)
        return loss, grad


def closure_required(closure: Closure | None, name: str) -> Closure:
    if closure is None:
        raise RuntimeError(f"{name}.step() requires a closure that reevaluates the model and returns the loss")
    return closure


class GradientDescentLineSearch(Optimizer):
    """Full-batch gradient descent whose step size comes from a backtracking (Armijo) line search.

    Each ``step(closure)`` starts from ``t = lr`` and halves it (``t <- beta t``) until the
    sufficient-decrease condition ``f(x - t g) <= f(x) - c1 t ||g||^2`` holds (at most ``max_ls``
    trials; the parameters stay put when none passes), then moves to ``x - t g``.  ``closure`` must zero the
    gradients, compute the loss, call ``backward()`` and return the loss.  All parameters form one
    flat vector, so parameter groups are not supported (as LBFGS).  ``state`` of the first
    parameter records the accepted step ``t``, ``func_evals`` and ``n_iter``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        c1: float = 1e-4,
        beta: float = 0.5,
        max_ls: int = 30,
        tolerance_grad: float = 1e-10,
    ) -> None:
        check_hyper(lr, 0.0, "Invalid learning rate", strict=True)
        if not 0.0 < c1 < 1.0:
            raise ValueError(f"Invalid Armijo constant c1: {c1}")
        if not 0.0 < beta < 1.0:
            raise ValueError(f"Invalid backtracking factor beta: {beta}")
        defaults = {"lr": lr, "c1": c1, "beta": beta, "max_ls": max_ls, "tolerance_grad": tolerance_grad}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("GradientDescentLineSearch doesn't support per-parameter options (parameter groups)")
        self._flat = FlatParams(self.param_groups[0]["params"])

    def step(self, closure: Closure | None = None) -> Any:
        """One line-searched gradient step; returns the loss at the starting point."""
        closure = closure_required(closure, "GradientDescentLineSearch")
        self._opt_called = True
        group = self.param_groups[0]
        state = self.state[self._flat.params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with am.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        state["func_evals"] += 1
        with am.no_grad():
            grad = self._flat.gather_grad()
            if np.abs(grad).max() <= group["tolerance_grad"]:
                return orig_loss
            state["n_iter"] += 1
            x = self._flat.clone()
            slope = -float(grad @ grad)  # directional derivative along -g
            t = float(group["lr"])
            for _ in range(group["max_ls"]):
                self._flat.add(-t, grad)
                with am.enable_grad():
                    trial = float(closure())
                state["func_evals"] += 1
                if trial <= loss + group["c1"] * t * slope:
                    break
                self._flat.restore(x)
                t *= group["beta"]
            else:
                t = 0.0  # no trial decreased the loss enough: stay at x
            state["t"] = t
        return orig_loss
