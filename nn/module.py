"""``Module``: the base class of every layer, with PyTorch's registration, traversal, hooks and state dicts.

Parameters, sub-modules and buffers assigned as attributes are registered in assignment order
(``__setattr__``), so ``named_parameters()`` and ``state_dict()`` list them exactly as PyTorch does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from ._state_dict import StateDictMixin
from ._traversal import TraversalMixin
from .hooks import HooksMixin
from .hooks import RemovableHandle as RemovableHandle  # importable from here, as before the split
from .parameter import Parameter

__all__ = ["Module", "Parameter", "count_parameters"]

M = TypeVar("M", bound="Module")


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module(HooksMixin, TraversalMixin, StateDictMixin):
    """Base class for neural-network modules; subclasses define ``forward`` and call ``super().__init__()``."""

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers_set: set[str]
    _modules: dict[str, Module | None]
    _forward_hooks: OrderedDict[int, Callable[..., Any]]
    _forward_pre_hooks: OrderedDict[int, Callable[..., Any]]

    def __init__(self) -> None:
        setter = super().__setattr__
        setter("training", True)
        setter("_parameters", {})
        setter("_buffers", {})
        setter("_non_persistent_buffers_set", set())
        setter("_modules", {})
        setter("_forward_hooks", OrderedDict())
        setter("_forward_pre_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass overrides it."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ------------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' (nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' (Module or None expected)"
                )
            self._modules[name] = value
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
            self._buffers[name] = value
        else:
            super().__setattr__(name, value)

    def _forget(self, name: str) -> None:
        self.__dict__.pop(name, None)
        for table in (self._parameters, self._buffers, self._modules):
            table.pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name: str) -> Any:
        state = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if table in state and name in state[table]:
                return state[table][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                self._non_persistent_buffers_set.discard(name)
                return
        super().__delattr__(name)

    def _check_name(self, name: Any, kind: str, table: Mapping[str, Any]) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in table:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a None placeholder, like a Linear without bias)."""
        self._check_name(name, "parameter", self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' (nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created explicitly. "
                f"To express '{name}' as a function of another Tensor, compute the value in the forward() method."
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (BatchNorm's running_mean); ``persistent`` ones are saved."""
        self._check_name(name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module, reachable as ``self.<name>``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_name(name, "module", self._modules)
        self._modules[name] = module

    register_module = add_module

    # ------------------------------------------------------------------------ modes and bulk changes
    def train(self: M, mode: bool = True) -> M:
        """Set training mode (Dropout and BatchNorm behave differently) on self and every descendant."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self: M) -> M:
        return self.train(False)

    def requires_grad_(self: M, requires_grad: bool = True) -> M:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient (to None, or to zeros in place)."""
        for param in self.parameters():
            if param.grad is not None:
                if set_to_none:
                    param.grad = None
                else:
                    param.grad.data[...] = 0

    def apply(self: M, fn: Callable[[Module], Any]) -> M:
        """Call ``fn`` on every descendant (children first) and then on self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _cast(self: M, dtype: np.dtype[Any]) -> M:
        """Convert floating parameters, their gradients and floating buffers to ``dtype`` (the objects stay)."""
        for module in self.modules():
            tensors: list[Tensor] = [t for t in module._parameters.values() if t is not None]
            tensors += [t.grad for t in tensors if t.grad is not None]
            tensors += [t for t in module._buffers.values() if t is not None]
            for tensor in tensors:
                if tensor.is_floating_point():
                    tensor.data = tensor.data.astype(dtype)
        return self

    def to(self: M, *args: Any, **kwargs: Any) -> M:
        """``to(dtype)``: cast floating parameters and buffers; devices ('cpu') are accepted and ignored."""
        dtype = kwargs.pop("dtype", None)
        for arg in args:
            if not (isinstance(arg, str) and arg.startswith("cpu")):
                dtype = arg
        kwargs.pop("device", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        return self if dtype is None else self._cast(np.dtype(dtype))

    def double(self: M) -> M:
        return self._cast(am.float64)

    def float(self: M) -> M:
        return self._cast(am.float32)

    def half(self: M) -> M:
        return self._cast(am.float16)

    def cpu(self: M) -> M:
        return self

    # ------------------------------------------------------------------------ printing
    def _get_name(self) -> str:
        return type(self).__name__

    def _named_error(self, error: Exception) -> Exception:
        """``error`` with the layer and its settings prepended, e.g. ``Linear(in_features=64, ...): ...``."""
        try:
            return type(error)(f"{self._get_name()}({self.extra_repr()}): {error}")
        except Exception:  # an exception type with a custom constructor keeps its message
            return error

    def extra_repr(self) -> str:
        """The text inside the parentheses of ``repr`` (layers override it)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _addindent(repr(module), 2) for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))


def count_parameters(module: Module, only_trainable: bool = False) -> int:
    """Number of parameter elements in ``module``, shared parameters counted once.

    The lecture notes' 3-4-2 MLP has 3*4 + 4 + 4*2 + 2 = 26; with ``only_trainable`` frozen ones are skipped.
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not only_trainable)
