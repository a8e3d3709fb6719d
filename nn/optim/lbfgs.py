"""L-BFGS with an optional strong-Wolfe line search: a port of torch.optim.LBFGS on flat NumPy vectors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

import autograd_mini as am

from .line_search import FlatParams, closure_required, strong_wolfe
from .optimizer import Closure, Optimizer, check_hyper

__all__ = ["LBFGS"]


def _tensor(value: Any) -> Any:
    """Wrap state vectors as Tensors (so state dicts hold Tensors, as torch's)."""
    return am.as_tensor(value) if isinstance(value, np.ndarray) else value


def _array(value: Any) -> Any:
    return value.data if isinstance(value, am.Tensor) else value


def _number(value: Any) -> Any:
    return None if value is None else float(_array(value))


class LBFGS(Optimizer):
    """Limited-memory BFGS (``history_size`` curvature pairs), heavily inspired by minFunc.

    ``step(closure)`` runs up to ``max_iter`` iterations (``max_eval`` function evaluations) and
    needs a ``closure`` that zeroes the gradients, computes the loss, calls ``backward()`` and
    returns the loss.  ``line_search_fn='strong_wolfe'`` picks each step length by a strong-Wolfe
    search; otherwise the step is ``lr``.  All parameters form one flat vector, so parameter groups
    are not supported.  The global state lives in ``state`` of the first parameter, as in torch.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        check_hyper(lr, 0.0, "Invalid learning rate")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._flat = FlatParams(self.param_groups[0]["params"])

    def step(self, closure: Closure | None = None) -> Any:
        """Run the L-BFGS iterations; returns the loss of the first closure evaluation."""
        closure = closure_required(closure, "LBFGS")
        self._opt_called = True
        self._flat.params = self.param_groups[0]["params"]
        with am.no_grad():
            return self._step(closure)

    def _step(self, closure: Closure) -> Any:
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        flat = self._flat
        state = self.state[flat.params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with am.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = flat.gather_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d = _array(state.get("d"))
        t = _number(state.get("t"))
        old_dirs = [_array(v) for v in state.get("old_dirs", [])]
        old_stps = [_array(v) for v in state.get("old_stps", [])]
        ro = [float(_array(v)) for v in state.get("ro", [])]
        h_diag = _number(state.get("H_diag"))
        prev_flat_grad = _array(state.get("prev_flat_grad"))
        prev_loss = _number(state.get("prev_loss"))
        al: list[Any] = [None] * history_size

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            # ---- the search direction d = -H g, by the two-loop recursion
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i] @ q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                d = r = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i] @ r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            # ---- the step length
            t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:
                break
            evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = flat.clone()

                def obj_func(x: Any, step: float, direction: np.ndarray) -> tuple[float, np.ndarray]:
                    return flat.evaluate(closure, x, step, direction)

                loss, flat_grad, t, evals = strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                flat.add(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                flat.add(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    with am.enable_grad():
                        loss = float(closure())
                    flat_grad = flat.gather_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals

            # ---- stopping conditions
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = _tensor(d)
        state["t"] = t
        state["old_dirs"] = [_tensor(v) for v in old_dirs]
        state["old_stps"] = [_tensor(v) for v in old_stps]
        state["ro"] = ro
        state["H_diag"] = h_diag
        state["prev_flat_grad"] = _tensor(prev_flat_grad)
        state["prev_loss"] = prev_loss
        return orig_loss
