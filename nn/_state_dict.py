"""State dicts for ``Module``: ``state_dict()`` and ``load_state_dict()`` with PyTorch's keys and error wording."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

if TYPE_CHECKING:
    from .module import Module
    from .parameter import Parameter


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the missing and the unexpected keys."""

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _shape(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


class StateDictMixin:
    """Saving and loading of parameters and persistent buffers by dotted name (mixed into ``Module``)."""

    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers_set: set[str]
    _modules: dict[str, Module | None]

    if TYPE_CHECKING:

        def named_modules(
            self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
        ) -> Iterator[tuple[str, Module]]: ...

        def _get_name(self) -> str: ...

    def _local_state(self) -> dict[str, Tensor]:
        state: dict[str, Tensor] = {k: v for k, v in self._parameters.items() if v is not None}
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                state[name] = buffer
        return state

    def state_dict(
        self, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name (detached, sharing memory unless ``keep_vars``)."""
        destination = OrderedDict() if destination is None else destination
        for name, tensor in self._local_state().items():
            destination[prefix + name] = tensor if keep_vars else tensor.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def _load_from_state_dict(
        self, state_dict: dict[str, Any], prefix: str, missing: list[str], unexpected: list[str], errors: list[str]
    ) -> None:
        """Copy this module's own entries from ``state_dict``; subclasses may adapt old formats first."""
        local = self._local_state()
        for name, target in local.items():
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            value = state_dict[key]
            source = value if isinstance(value, Tensor) else am.as_tensor(np.asarray(value))
            if source.shape != target.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {_shape(source.shape)} from checkpoint, "
                    f"the shape in current model is {_shape(target.shape)}."
                )
                continue
            with am.no_grad():
                target[...] = source.detach()
        for key in state_dict:
            if key.startswith(prefix):
                head = key[len(prefix) :].split(".", 1)[0]
                if head not in self._modules and head not in local:
                    unexpected.append(key)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` in place; returns (missing_keys, unexpected_keys)."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        state = dict(state_dict)
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []
        for prefix, module in self.named_modules():
            module._load_from_state_dict(state, prefix + "." if prefix else "", missing, unexpected, errors)
        if strict:
            if unexpected:
                errors.insert(
                    0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected))
                )
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(self._get_name(), "\n\t".join(errors))
            )
        return _IncompatibleKeys(missing, unexpected)
