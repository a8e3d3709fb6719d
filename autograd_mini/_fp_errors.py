"""Backward's floating-point error state: derivatives at singular points (sqrt at 0, std of constant data)
are inf or NaN by IEEE rules, as in PyTorch, so NumPy's division, invalid and overflow warnings are off while
backward runs, and the caller's state is back afterwards."""

from __future__ import annotations

from typing import Any

import numpy as np

# NumPy >= 2 keeps its floating-point error state in a context variable (private names, looked up
# defensively): setting it directly costs a fifth of entering ``np.errstate``, once per backward.
_ufunc_config: Any = getattr(getattr(np, "_core", None), "_ufunc_config", None)
_extobj_contextvar: Any = getattr(_ufunc_config, "_extobj_contextvar", None)
_make_extobj: Any = getattr(_ufunc_config, "_make_extobj", None)


# The last caller's state and the one made from it (the same, ignoring those three errors): a training
# loop's backwards all start from the same state, so it is made once rather than per backward.
_derived_extobj: list[Any] = [None, None]


def ignore_fp_errors() -> Any:
    """Ignore division by zero, invalid operations and overflow until :func:`restore_fp_errors`."""
    if _extobj_contextvar is not None and _make_extobj is not None:
        current = _extobj_contextvar.get()
        if current is not _derived_extobj[0]:  # made from the current state: its other settings carry over
            _derived_extobj[:] = current, _make_extobj(divide="ignore", invalid="ignore", over="ignore")
        return _extobj_contextvar.set(_derived_extobj[1])
    state = np.errstate(divide="ignore", invalid="ignore", over="ignore")  # other NumPy versions
    state.__enter__()
    return state


def restore_fp_errors(token: Any) -> None:
    if isinstance(token, np.errstate):
        token.__exit__(None, None, None)
    else:
        _extobj_contextvar.reset(token)
