"""The ``Optimizer`` base class: parameter groups, per-parameter state and state dicts, as ``torch.optim``.

Subclasses implement ``_update(param, grad, state, group)`` on NumPy arrays; the base ``step``
evaluates the closure (with grad enabled), skips parameters whose ``grad`` is None, and runs the
updates under ``no_grad``.  (SGD, the optimizer of small training loops, writes its whole ``step``
out instead, for speed.)  Parameters and state buffers are updated in place, so the Parameter
objects (and anything holding them) stay the same.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

__all__ = ["Optimizer", "required"]

StateDict = dict[str, Any]
Closure = Callable[[], Any]


class _RequiredParameter:
    """Singleton marking a hyperparameter without a default."""

    def __repr__(self) -> str:
        return "<required parameter>"


required: Any = _RequiredParameter()


def buffer_like(like: np.ndarray, fill: float = 0.0) -> Tensor:
    """A state buffer (a plain Tensor) with the shape and dtype of ``like``, filled with ``fill``."""
    return am.as_tensor(np.full(like.shape, fill, dtype=like.dtype))


def state_copy(values: np.ndarray) -> Tensor:
    """A state buffer holding a copy of ``values``."""
    return am.as_tensor(np.array(values, copy=True))


def l2_decayed(grad: np.ndarray, param: np.ndarray, weight_decay: float) -> np.ndarray:
    """``grad + weight_decay * param`` (L2 weight decay folded into the gradient), ``grad`` when it is 0."""
    return grad + weight_decay * param if weight_decay != 0 else grad


def check_hyper(value: float, minimum: float, message: str, strict: bool = False) -> None:
    """PyTorch's ``ValueError(f"Invalid ...: {value}")`` for a hyperparameter out of range."""
    if value < minimum or (strict and value == minimum):
        raise ValueError(f"{message}: {value}")


class Optimizer:
    """Base class of all optimizers.

    ``params``: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (parameter
    groups, each with its own hyperparameters overriding ``defaults``).
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._opt_called = False
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                + type(params).__name__
            )
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ----------------------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with ``'params'`` and optional hyperparameters)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of tensors "
                "in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)
        if params and isinstance(params[0], tuple):
            param_group["param_names"] = [name for name, _ in params]
            params = [param for _, param in params]
        param_group["params"] = params
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + type(param).__name__)
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in params]
        if len(ids) != len(set(ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will cause an error",
                stacklevel=3,
            )
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if not existing.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ----------------------------------------------------------------------------- stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: to None (the default), or to zeros in place."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    param.grad.detach_()
                    if param.grad.data.flags.writeable:
                        param.grad.data.fill(0)
                    else:
                        param.grad.data = np.zeros_like(param.grad.data)

    def step(self, closure: Closure | None = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()`` when given.

        Each parameter is updated in place with ``param.sub_(update)`` under ``no_grad``, so its
        version counter moves and a graph saved before the step refuses to backpropagate.
        """
        loss = self._begin_step(closure)
        update_of = self._update
        state = self.state
        with am.no_grad():
            for group in self.param_groups:
                maximize = group.get("maximize", False)
                for param in group["params"]:
                    grad_tensor = param.grad
                    if grad_tensor is None:
                        continue
                    grad = -grad_tensor.data if maximize else grad_tensor.data
                    data = param.data
                    update = update_of(data, grad, state[param], group)
                    if type(update) is not np.ndarray or update.dtype != data.dtype:
                        update = np.asarray(update, dtype=data.dtype)
                    # sub_ takes the array as it is (no Tensor wrapper): one in-place NumPy subtract.
                    param.sub_(update)
        return loss

    def _begin_step(self, closure: Closure | None) -> Any:
        """What every ``step`` does first: note the call (for the schedulers' order warning) and evaluate
        ``closure`` with grad enabled; its result, or None."""
        self._opt_called = True
        if closure is None:
            return None
        with am.enable_grad():
            return closure()

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> np.ndarray:
        """The amount to subtract from ``param``, given ``grad`` (already negated when maximizing).

        ``param`` is read-only here; state buffers are updated in place.
        """
        raise NotImplementedError

    # ----------------------------------------------------------------------------- state dicts
    def state_dict(self) -> StateDict:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}`` (PyTorch's layout).

        Parameters are numbered in group order; the state's Tensors are references, not copies.
        """
        mapping: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for param in group["params"]:
                mapping.setdefault(id(param), len(mapping))
            packed["params"] = [mapping[id(param)] for param in group["params"]]
            groups.append(packed)
        state = {(mapping[id(key)] if isinstance(key, Tensor) else key): value for key, value in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: StateDict) -> None:
        """Restore state and hyperparameters saved by :meth:`state_dict` (deep-copied, cast to each param's dtype)."""
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(self.param_groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in self.param_groups),
            )
        )
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            index = int(key) if isinstance(key, str) and key.isdigit() else key
            if index in id_map:
                param = id_map[index]
                state[param] = {k: _cast(param, v, k) for k, v in value.items()}
            else:
                state[index] = deepcopy(value)
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            for name, value in saved.items():
                if isinstance(value, list) and isinstance(group.get(name), tuple):
                    saved[name] = tuple(value)  # e.g. betas read back from JSON
        self.state = state
        self.param_groups = saved_groups

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_opt_called", False)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for index, group in enumerate(self.param_groups):
            text += f"\nParameter Group {index}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _cast(param: Tensor, value: Any, key: Any = None) -> Any:
    """A deep copy of a state value; arrays and Tensors become Tensors in the parameter's dtype ('step' excepted)."""
    if isinstance(value, (Tensor, np.ndarray)):
        array = np.array(value.data if isinstance(value, Tensor) else value, copy=True)
        if key == "step":
            return round(float(array))
        if array.dtype.kind == "f" and param.dtype.kind == "f":
            array = array.astype(param.dtype, copy=False)
        return am.as_tensor(array)
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return deepcopy(value)
