"""Accept NumPy's ``axis``/``keepdims`` wherever PyTorch spells them ``dim``/``keepdim``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def accepts_numpy_names(function: F) -> F:
    """Wrap ``function`` so ``axis=`` means ``dim=`` and ``keepdims=`` means ``keepdim=``."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for numpy_name, torch_name in (("axis", "dim"), ("keepdims", "keepdim")):
            if numpy_name in kwargs:
                if torch_name in kwargs:
                    raise TypeError(
                        f"{function.__name__}() received both '{torch_name}' and '{numpy_name}'; pass only one"
                    )
                kwargs[torch_name] = kwargs.pop(numpy_name)
        return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
