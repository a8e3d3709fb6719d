"""Function transforms in the style of ``torch.func`` / JAX: grad, value_and_grad, jacobian,
hessian, vjp, jvp and hvp.

Arguments may be Tensors, NumPy arrays, numbers, or tuples/lists/dicts of them (pytrees); the
differentiated arguments are copied into fresh leaf tensors, and results come back in the same
structure.  Everything is built on reverse mode; ``jvp`` uses the double-vjp trick.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import engine
from .autograd import grad as _grad
from .dtypes import DEFAULT_FLOAT, is_floating
from .grad_mode import enable_grad
from .tensor import Tensor

__all__ = ["grad", "hessian", "hvp", "jacobian", "jvp", "value_and_grad", "vjp"]


# ----------------------------------------------------------------------------- pytrees
def tree_leaves(tree: Any) -> list[Any]:
    """The leaves of a nested tuple/list/dict structure, in a fixed order (dict keys sorted)."""
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in tree_leaves(item)]
    if isinstance(tree, dict):
        return [leaf for key in sorted(tree) for leaf in tree_leaves(tree[key])]
    return [tree]


def tree_unflatten(tree: Any, leaves: list[Any]) -> Any:
    """Rebuild ``tree``'s structure from ``leaves`` (consumed in tree_leaves order)."""
    iterator = iter(leaves)

    def build(node: Any) -> Any:
        if isinstance(node, (tuple, list)):
            return type(node)(build(item) for item in node)
        if isinstance(node, dict):
            return {key: build(node[key]) for key in sorted(node)}
        return next(iterator)

    return build(tree)


def _leaf_tensor(value: Any) -> Tensor:
    """A fresh float leaf that requires grad, holding ``value``'s data.

    A tensor that already requires grad (an outer transform's input) is cloned instead, so the
    result stays connected to it and transforms compose (grad of grad).
    """
    if isinstance(value, Tensor) and value.requires_grad:
        return value.clone()
    data = value.data if isinstance(value, Tensor) else np.asarray(value)
    if not is_floating(data.dtype):
        if isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(
                f"grad requires real-valued (floating) inputs, but got an input of dtype {data.dtype}; "
                "cast it to a float dtype first"
            )
        data = data.astype(DEFAULT_FLOAT)
    leaf = Tensor._make(data, None)
    leaf.requires_grad = True
    return leaf


def _check_argnums(argnums: int | tuple[int, ...], n_args: int, name: str) -> tuple[int, ...]:
    numbers = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not numbers:
        raise ValueError(f"{name}: argnums must be non-empty")
    for number in numbers:
        if not isinstance(number, int) or not -n_args <= number < n_args:
            raise ValueError(
                f"{name}: argnums {number!r} is out of bounds for a function called with {n_args} positional arguments"
            )
    return tuple(n % n_args for n in numbers)


def _primals(args: tuple[Any, ...], argnums: tuple[int, ...]) -> tuple[list[Any], list[Tensor]]:
    """Args with the differentiated ones replaced by fresh leaf trees, and those leaves."""
    new_args = list(args)
    leaves: list[Tensor] = []
    for number in argnums:
        tree_values = [_leaf_tensor(v) for v in tree_leaves(args[number])]
        leaves.extend(tree_values)
        new_args[number] = tree_unflatten(args[number], tree_values)
    return new_args, leaves


def _regroup(args: tuple[Any, ...], argnums: int | tuple[int, ...], numbers: tuple[int, ...], grads: list[Any]) -> Any:
    """Gradients shaped like the differentiated arguments (a tuple when argnums is a tuple)."""
    grouped = []
    position = 0
    for number in numbers:
        count = len(tree_leaves(args[number]))
        grouped.append(tree_unflatten(args[number], grads[position : position + count]))
        position += count
    return grouped[0] if isinstance(argnums, int) else tuple(grouped)


def _nested(args: Any) -> bool:
    """True inside another transform: then results must stay differentiable (create_graph)."""
    return engine._grad_enabled and any(isinstance(t, Tensor) and t.requires_grad for t in tree_leaves(list(args)))


def _zeros_for(leaf: Tensor) -> Tensor:
    return Tensor._make(np.zeros(leaf.shape, dtype=leaf.data.dtype), None)


# ----------------------------------------------------------------------------- transforms
def value_and_grad(
    func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """``f -> (lambda *args: (f(*args), df/d args[argnums]))`` for a scalar-valued ``f``.

    With ``has_aux``, ``f`` returns ``(value, aux)`` and the result is ``((value, aux), grads)``.
    Gradients are differentiable when computed inside another transform (grad of grad works).
    """

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        numbers = _check_argnums(argnums, len(args), "grad")
        new_args, leaves = _primals(args, numbers)
        with enable_grad():
            result = func(*new_args, **kwargs)
        if has_aux and not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError("grad with has_aux=True requires the function to return a (value, aux) tuple")
        value, aux = result if has_aux else (result, None)
        if not isinstance(value, Tensor) or value.data.size != 1 or value.ndim != 0:
            shape = getattr(value, "shape", None)
            raise TypeError(f"Gradient only defined for scalar-output functions. Output had shape: {shape}.")
        if value.requires_grad:
            found = _grad(value, leaves, create_graph=_nested(args), allow_unused=True)
        else:
            found = tuple(None for _ in leaves)
        grads = [g if g is not None else _zeros_for(leaf) for g, leaf in zip(found, leaves)]
        output = _regroup(args, argnums, numbers, grads)
        return ((value, aux), output) if has_aux else (value, output)

    return wrapper


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """``f -> df/d args[argnums]`` for a scalar-valued ``f`` (as ``jax.grad`` / ``torch.func.grad``)."""
    both = value_and_grad(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if has_aux:
            (_, aux), grads = both(*args, **kwargs)
            return grads, aux
        return both(*args, **kwargs)[1]

    return wrapper


def vjp(func: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` returns one gradient per primal."""
    new_args, leaves = _primals(primals, tuple(range(len(primals))))
    with enable_grad():
        output = func(*new_args)
    outputs = tree_leaves(output)

    def vjp_fn(cotangents: Any) -> tuple[Any, ...]:
        seeds = [c if isinstance(c, Tensor) else Tensor(np.asarray(c)) for c in tree_leaves(cotangents)]
        if len(seeds) != len(outputs):
            raise ValueError(f"vjp: expected {len(outputs)} cotangents to match the outputs, got {len(seeds)}")
        pairs = [(o, s) for o, s in zip(outputs, seeds) if isinstance(o, Tensor) and o.requires_grad]
        found: tuple[Tensor | None, ...] = tuple(None for _ in leaves)
        if pairs:
            differentiable = _nested(primals) or any(s.requires_grad for s in seeds)
            found = _grad(
                [o for o, _ in pairs],
                leaves,
                [s for _, s in pairs],
                retain_graph=True,
                create_graph=differentiable,
                allow_unused=True,
            )
        grads = [g if g is not None else _zeros_for(leaf) for g, leaf in zip(found, leaves)]
        return tuple(_regroup(primals, tuple(range(len(primals))), tuple(range(len(primals))), grads))

    if _nested(primals):
        return output, vjp_fn
    return tree_unflatten(output, [_detached(o) for o in outputs]), vjp_fn


def _detached(value: Any) -> Any:
    return value.detach() if isinstance(value, Tensor) else value


def jacobian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """``f -> J`` with ``J.shape == out.shape + in.shape``, built row by row in reverse mode."""

    def wrapper(*args: Any) -> Any:
        numbers = _check_argnums(argnums, len(args), "jacobian")
        new_args, leaves = _primals(args, numbers)
        with enable_grad():
            output = func(*new_args)
        if not isinstance(output, Tensor):
            raise TypeError(f"jacobian: the function must return a Tensor, got {type(output).__name__}")
        rows: list[list[Tensor]] = [[] for _ in leaves]
        for index in range(output.data.size):
            seed = np.zeros(output.data.size, dtype=output.data.dtype)
            seed[index] = 1
            found: tuple[Tensor | None, ...] = tuple(None for _ in leaves)
            if output.requires_grad:
                found = _grad(
                    output, leaves, Tensor._make(seed.reshape(output.shape), None), retain_graph=True,
                    create_graph=_nested(args), allow_unused=True,
                )  # fmt: skip
            for k, (g, leaf) in enumerate(zip(found, leaves)):
                rows[k].append(g if g is not None else _zeros_for(leaf))
        from .ops.shape import stack

        blocks = [
            stack(r).reshape(output.shape + leaf.shape) if r else _zeros_for(leaf) for r, leaf in zip(rows, leaves)
        ]
        return _regroup(args, argnums, numbers, blocks)

    return wrapper


def hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Jacobian of the gradient: ``H.shape == in.shape + in.shape`` for a scalar ``f``."""
    return jacobian(grad(func, argnums), argnums)


def jvp(func: Callable[..., Any], primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
    """``(f(primals), J @ tangents)`` by the double-vjp trick: the vjp is linear in its cotangent u,
    so differentiating ``u -> vjp(u) . tangents`` with respect to u gives ``J @ tangents``."""
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents")
    output, vjp_fn = vjp(func, *primals)
    outputs = tree_leaves(output)
    dummies = [_leaf_tensor(np.zeros(o.shape, dtype=o.data.dtype)) for o in outputs]
    with enable_grad():
        pulled = tree_leaves(vjp_fn(tree_unflatten(output, dummies)))
        tangent_leaves = [t if isinstance(t, Tensor) else Tensor(np.asarray(t)) for t in tree_leaves(list(tangents))]
        total = sum(((p * t).sum() for p, t in zip(pulled, tangent_leaves)), Tensor(0.0))
    nested = _nested(primals)
    found = _grad(total, dummies, allow_unused=True, create_graph=nested) if total.requires_grad else ()
    results = [g if g is not None else _zeros_for(d) for g, d in zip(found, dummies)] or [
        _zeros_for(d) for d in dummies
    ]
    if not nested:
        results = [r.detach() for r in results]
    return output, tree_unflatten(output, results)


def hvp(func: Callable[..., Any], primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
    """``(f(primals), H @ tangents)``: the jvp of the gradient (a Hessian-vector product)."""
    value = func(*primals)
    numbers = tuple(range(len(primals)))
    _, product = jvp(grad(func, numbers), primals, tangents)
    return value, product
