"""Each primitive's backward on arrays, specialised once when it is registered.

A backward that builds no graph (the training loop's) runs one of these per node.  Picking the code
for the op's arity when it is declared, with its vjps held in the closure, saves the per-node tests and
attribute reads of the general :meth:`OpDef.backward_arrays`, which any node of another shape (an op
declaring fewer vjps than inputs, a binary op with attributes) still takes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..node import Node
    from .registry import OpDef

ArrayBackward = Callable[["Node", Any, Sequence[Any]], Sequence[Any]]

# broadcast.fit, bound by the registry once broadcast.py (which registers ops itself) has loaded.
fit: Callable[..., Any] = lambda op, index, array, grad: None  # noqa: E731


def bind_fit(function: Callable[..., Any]) -> None:
    global fit
    fit = function


def specialise(op: OpDef) -> ArrayBackward:
    """``op``'s backward on arrays: ``(node, grad, mask) -> input gradients`` (None where ``mask`` is None), a
    tuple (one allocation; a list makes two) that backward only iterates."""
    general = op.backward_arrays
    vjps = op.vjps
    if not op.array_vjps or op.vjp_all is not None or not 1 <= len(vjps) <= 2:
        return general
    if len(vjps) == 2:
        first_vjp, second_vjp = vjps

        def binary(node: Node, grad: Any, mask: Sequence[Any]) -> Sequence[Any]:
            first, second = node._in0, node._in1
            if first is None or second is None or node._edges is not None or node.attrs:  # (``_edges``: 3+ inputs)
                return general(node, grad, mask)
            out = node.out_data
            # fit()'s common case (nothing to reduce or cast) tested here: one call fewer per gradient.
            if mask[0] is None:
                first_grad = None
            else:
                first_grad = first_vjp(grad, out, first, second)
                if not (
                    type(first_grad) is np.ndarray
                    and first_grad.dtype is first.dtype
                    and first_grad.shape == first.shape
                ):
                    first_grad = fit(op, 0, first, first_grad)
            if mask[1] is None:
                return (first_grad, None)
            second_grad = second_vjp(grad, out, first, second)
            if (
                type(second_grad) is np.ndarray
                and second_grad.dtype is second.dtype
                and second_grad.shape == second.shape
            ):
                return (first_grad, second_grad)
            return (first_grad, fit(op, 1, second, second_grad))

        return binary
    (vjp,) = vjps
    # tanh, sigmoid, relu: their backward primitive's NumPy forward on (g, out), what call() would run.
    on_output = op.output_vjp.forward if op.output_vjp is not None else None

    def unary(node: Node, grad: Any, mask: Sequence[Any]) -> Sequence[Any]:
        x = node._in0
        if x is None or node._in1 is not None:  # released, or more inputs
            return general(node, grad, mask)
        if mask[0] is None:
            return (None,)
        if on_output is not None:
            result = on_output(grad, node.out_data)
        else:
            attrs = node.attrs
            result = vjp(grad, node.out_data, x, **attrs) if attrs else vjp(grad, node.out_data, x)
        if type(result) is np.ndarray and result.dtype is x.dtype and result.shape == x.shape:
            return (result,)  # fit's common case, inlined: one call fewer per unary node
        return (fit(op, 0, x, result),)

    return unary
