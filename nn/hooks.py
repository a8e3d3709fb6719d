"""Forward hooks for ``Module``, and the handles registering one returns (``handle.remove()``) as ``torch.utils.hooks``."""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

_ids = itertools.count()


class RemovableHandle:
    """Removes the hook it was returned for; usable as a context manager."""

    def __init__(self, hooks: dict[int, Any]) -> None:
        self.hooks_dict_ref = weakref.ref(hooks)
        self.id = next(_ids)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        hooks = self.hooks_dict_ref()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class HooksMixin:
    """Calling a module: forward pre-hooks, ``forward``, forward hooks (mixed into ``Module``)."""

    _forward_hooks: OrderedDict[int, Callable[..., Any]]
    _forward_pre_hooks: OrderedDict[int, Callable[..., Any]]

    if TYPE_CHECKING:

        def forward(self, *args: Any, **kwargs: Any) -> Any: ...

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_pre_hooks or self._forward_hooks):
            # The common case, taken on every layer of every step: no hooks, so no copies of the
            # hook tables and no loops (a per-call cost that showed in small-model profiles).
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Pre-hooks (may replace the arguments), ``forward``, then hooks (may replace the output)."""
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def _add_hook(self, hooks: OrderedDict[int, Callable[..., Any]], hook: Any, prepend: bool) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False) -> RemovableHandle:
        """``hook(module, args) -> None | new args`` runs before ``forward``."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False) -> RemovableHandle:
        """``hook(module, args, output) -> None | new output`` runs after ``forward``."""
        return self._add_hook(self._forward_hooks, hook, prepend)
