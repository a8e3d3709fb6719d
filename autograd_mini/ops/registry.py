"""The op table: how a primitive is declared, and how its forward and vjps are called.

A primitive is a NumPy forward plus one vector-Jacobian product per input (or one ``vjp_all``
for ops with a variable number of inputs).  Each vjp has the signature
``vjp(g, out, *inputs, **attrs) -> Tensor | None`` where ``g`` is the upstream gradient, ``out``
the forward result (only when the op is declared ``uses_out``; with ``keeps``, an array the
forward kept for its vjps) and ``inputs`` the saved input Tensors.  Vjps are written with Tensor
operations, so they are differentiable themselves; what they return is fitted to each input's
shape and dtype (broadcast gradients summed back) by ``broadcast.fit`` / ``broadcast.conform``.

One table, two speeds: a backward that builds no graph (``create_graph=False``, the training
loop's case) calls the same vjps with plain ndarrays.  Operators work on both, and :func:`call`
runs a primitive's NumPy forward directly when given arrays, so a vjp such as ``g * y`` or
``call(MATMUL, g, w)`` costs one NumPy call instead of a Tensor op.  A vjp that needs Tensor
methods opts out with ``array_vjps=False`` and is handed Tensors in both cases; so are the ops users
register with :func:`defop` after the package has loaded, unless they opt in with ``array_vjps=True``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine import NO_ATTRS, apply
from ..tensor import Tensor
from ._array_backward import ArrayBackward, bind_fit, specialise

if TYPE_CHECKING:
    from ..engine import Node

Vjp = Callable[..., "Tensor | None"]
ErrorBuilder = Callable[[Sequence["Tensor"], dict[str, Any], Exception], Exception]


def shape_text(shape: Sequence[int]) -> str:
    """Shapes are printed as PyTorch prints sizes: ``[2, 3]``."""
    return "[" + ", ".join(str(int(n)) for n in shape) + "]"


@dataclass(slots=True, eq=False, repr=False)
class OpDef:
    """A registered primitive: forward on arrays, vjps on Tensors, and its error wording (made by :func:`defop`)."""

    name: str
    forward: Callable[..., Any]
    vjps: tuple[Vjp, ...]
    vjp_all: Callable[..., Sequence[Tensor | None]] | None
    uses_out: bool
    grad_fn_name: str
    error_builder: ErrorBuilder | None
    # Indices of the inputs whose values the vjps read (None: all of them).  Only these are
    # version-checked, so in-place changes to inputs that are not read stay allowed.
    saves: tuple[int, ...] | None = None
    # A view's result may share memory with input 0, and then shares its version counter.
    is_view: bool = False
    # The vjps also accept ndarrays (see the module docstring); False hands them Tensors always.
    array_vjps: bool = True
    # The forward returns (result, kept): ``kept``, an array private to the node (a softmax the loss
    # computed anyway), reaches the vjps as ``out`` in a backward on arrays, and None when building a
    # graph, where they recompute it differentiably.  Not with ``uses_out``.
    keeps: bool = False
    # A unary op whose vjp is this primitive applied to (g, out), as PyTorch's ``tanh_backward(grad,
    # result)``: a backward on arrays runs its NumPy forward directly (``vjps`` holds the same, recorded).
    output_vjp: OpDef | None = None
    differentiable: bool = field(init=False)
    # Called when backward frees a node of this op (custom Functions drop their ctx's tensors).
    release_hook: Callable[[Node], None] | None = field(default=None, init=False)

    # The backward on arrays that backward runs for this op's nodes (see ``_array_backward``).
    array_backward: ArrayBackward = field(init=False)

    def __post_init__(self) -> None:
        self.differentiable = bool(self.vjps) or self.vjp_all is not None
        self.array_backward = specialise(self)

    def replay(self, inputs: tuple[Tensor, ...], attrs: dict[str, Any]) -> Tensor:
        """Apply this op again to new inputs with the same attributes (gradcheck's op-by-op check)."""
        return apply(self, inputs, attrs)

    def shape_error(self, inputs: Sequence[Tensor], attrs: dict[str, Any], error: Exception) -> Exception:
        """Turn a NumPy failure inside the forward into an error that names this op and its shapes."""
        if self.error_builder is not None:
            return self.error_builder(inputs, attrs, error)
        shapes = ", ".join(shape_text(t.shape) for t in inputs)
        kind = IndexError if isinstance(error, IndexError) else RuntimeError
        return kind(f"{self.name}(): {error} (input shapes: {shapes})")

    def backward_arrays(
        self, node: Node, grad: np.ndarray | np.generic, mask: Sequence[Any]
    ) -> list[np.ndarray | np.generic | None]:
        """:meth:`backward` on plain arrays, for a backward that builds no graph (see the module docstring):
        the general case, for any arity and attributes; ``array_backward`` is the op's specialised one."""
        if not self.array_vjps:
            grads = self.backward(node, Tensor._make(np.asarray(grad), None), mask)
            return [None if t is None else t.data for t in grads]
        arrays = node.saved_arrays()
        assert arrays is not None
        out, attrs, vjps = node.out_data, node.attrs, self.vjps
        if self.vjp_all is None:
            return [
                None if wanted is None else _fit(self, index, arrays[index], vjp(grad, out, *arrays, **attrs))
                for index, (vjp, wanted) in enumerate(zip(vjps, mask))
            ]
        raw = self._check_count(list(self.vjp_all(grad, out, *arrays, **attrs)), len(arrays))
        return [
            None if wanted is None else _fit(self, index, array, input_grad)
            for index, (array, input_grad, wanted) in enumerate(zip(arrays, raw, mask))
        ]

    def _check_count(self, grads: list[Any], expected: int) -> list[Any]:
        if len(grads) != expected:
            raise RuntimeError(
                f"function {self.grad_fn_name} returned an incorrect number of gradients "
                f"(expected {expected}, got {len(grads)})"
            )
        return grads

    def backward(self, node: Node, grad: Tensor, mask: Sequence[Any]) -> list[Tensor | None]:
        """Input gradients for ``node`` where ``mask`` is not None, reduced to each input's shape."""
        inputs = node.inputs
        assert inputs is not None
        tensor_class = Tensor
        out = node.result_tensor(node.out_data) if self.uses_out and node.out_data is not None else None
        attrs = node.attrs
        if self.vjp_all is not None:
            raw = self._check_count(list(self.vjp_all(grad, out, *inputs, **attrs)), len(inputs))
        else:
            raw = [None if wanted is None else vjp(grad, out, *inputs, **attrs) for vjp, wanted in zip(self.vjps, mask)]
        result: list[Tensor | None] = []
        for index, (tensor, input_grad, wanted) in enumerate(zip(inputs, raw, mask)):
            if input_grad is None or wanted is None:
                result.append(None)
            elif (
                type(input_grad) is tensor_class
                and input_grad.data.shape == tensor.data.shape
                and input_grad.data.dtype == tensor.data.dtype
            ):
                result.append(input_grad)  # the common case: nothing to reduce or cast
            else:
                result.append(self._conform(index, tensor, input_grad))
        return result

    def _conform(self, index: int, tensor: Tensor, grad: Tensor | Any) -> Tensor:
        """Reduce a broadcast gradient to the input's shape and dtype, or say which op is at fault."""
        return broadcast.conform(self.grad_fn_name, index, tensor, grad)


OPS: dict[str, OpDef] = {}

# The package's own vjps are written to accept arrays; ops registered later (by users) are handed
# Tensors unless they say otherwise (see end_builtin_registrations).
_array_vjps_by_default = True


def end_builtin_registrations() -> None:
    """Called once by the package ``__init__`` after every op module has registered its primitives."""
    global _array_vjps_by_default
    _array_vjps_by_default = False


def defop(
    name: str,
    forward: Callable[..., Any],
    *vjps: Vjp,
    vjp_all: Callable[..., Sequence[Tensor | None]] | None = None,
    uses_out: bool = False,
    grad_fn_name: str | None = None,
    error_builder: ErrorBuilder | None = None,
    saves: tuple[int, ...] | None = None,
    is_view: bool = False,
    array_vjps: bool | None = None,
    keeps: bool = False,
    output_vjp: OpDef | None = None,
    array_backward: ArrayBackward | None = None,
) -> OpDef:
    """Register primitive ``name``; an op with no vjp is recorded as non-differentiable.

    ``array_vjps=True`` declares that the vjps also work when handed ndarrays (see the module
    docstring); the default is True for the package's own ops and False for ops registered later.
    ``output_vjp=P`` declares a unary op whose vjp is primitive ``P`` applied to ``(g, out)`` (PyTorch's
    ``tanh_backward(grad, result)``), in place of ``vjps``; the op then uses its output.
    ``array_backward`` replaces the backward on arrays made from the vjps (``_array_backward.specialise``) by
    a hand-written one with the same signature, for an op whose nodes every training step runs (linear).
    """
    if output_vjp is not None:
        if vjps or vjp_all is not None:
            raise ValueError(f"op {name!r}: output_vjp replaces the vjps, so not both")
        vjps = (lambda g, out, x: call(output_vjp, g, out),)
        uses_out = True
    if name in OPS:
        raise ValueError(f"op {name!r} is already registered")
    if grad_fn_name is None:
        grad_fn_name = "".join(part.capitalize() for part in name.split("_")) + "Backward0"
    if array_vjps is None:
        array_vjps = _array_vjps_by_default
    if keeps and uses_out:
        raise ValueError(f"op {name!r}: a forward's kept array takes the place of its output, so not both")
    op = OpDef(
        name,
        forward,
        vjps,
        vjp_all,
        uses_out,
        grad_fn_name,
        error_builder,
        saves,
        is_view,
        array_vjps,
        keeps,
        output_vjp,
    )
    if array_backward is not None:
        op.array_backward = array_backward
    OPS[name] = op
    return op


def call(op: OpDef, *inputs: Any, **attrs: Any) -> Any:
    """Apply a registered primitive to Tensors; given arrays (a vjp in a backward on arrays), just its
    NumPy forward, whose result is then always an ndarray, even 0-d (Tensors among the arrays are unwrapped)."""
    first = inputs[0]
    if isinstance(first, Tensor):
        return apply(op, inputs, attrs or NO_ATTRS)
    n = len(inputs)
    # The common arities skip building an argument list (and ``**attrs`` when empty, as in ``apply``).
    if n == 1 and type(first) is np.ndarray:
        out = op.forward(first, **attrs) if attrs else op.forward(first)
    elif n == 2 and type(first) is np.ndarray and type(inputs[1]) is np.ndarray:
        out = op.forward(first, inputs[1], **attrs) if attrs else op.forward(first, inputs[1])
    else:
        arrays = [x if type(x) is np.ndarray else x.data if isinstance(x, Tensor) else np.asarray(x) for x in inputs]
        out = op.forward(*arrays, **attrs)
    return out if type(out) is np.ndarray else _result(op, out)


def array_of(x: Any) -> np.ndarray:
    """The array behind a vjp argument: a Tensor's data, or the array itself in a backward on arrays."""
    return x.data if isinstance(x, Tensor) else x


def constant(array: np.ndarray, like: Any) -> Any:
    """A constant with ``like``'s dtype for masks and weights inside vjps: an ndarray when ``like`` is
    one (a backward on arrays), else a Tensor that records nothing."""
    array = np.asarray(array).astype(like.dtype, copy=False)
    return Tensor._make(array, None) if isinstance(like, Tensor) else array


def _result(op: OpDef, out: Any) -> np.ndarray:
    """A forward's result that is not an ndarray as one: a NumPy scalar, or the first of (result, kept)."""
    return np.asarray(out[0] if op.keeps else out)


# Imported last, as it registers its primitives with ``defop`` above; it also fits vjp results to
# their inputs (``_fit``), reducing broadcast gradients with those primitives.
from . import broadcast  # noqa: E402
from .broadcast import fit as _fit  # noqa: E402

bind_fit(_fit)
