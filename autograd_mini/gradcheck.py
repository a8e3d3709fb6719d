"""Finite-difference gradient checks: ``gradcheck`` and ``gradgradcheck`` (PyTorch's algorithm).

Both compare full Jacobians: numerical ones from central differences, analytical ones from one
backward pass per output element.  When a check fails, the recorded graph is replayed op by op
and the report names the first op whose own vjp disagrees with finite differences, so a wrong
derivative is found without bisecting the model by hand.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import engine
from .autograd import grad
from .graph_order import toposort
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when analytical and numerical gradients disagree."""


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _differentiable_outputs(outputs: tuple[Any, ...]) -> list[Tensor]:
    return [o for o in outputs if isinstance(o, Tensor) and o.is_floating_point()]


def _numerical_jacobian(
    func: Callable[..., Any], inputs: tuple[Any, ...], index: int, eps: float, n_outputs: int
) -> list[np.ndarray]:
    """d outputs / d inputs[index] by central differences: one (out.size, in.size) matrix per output."""
    target: Tensor = inputs[index]
    flat = target.data.reshape(-1)  # a view: perturbing it perturbs the input
    columns: list[list[np.ndarray]] = [[] for _ in range(n_outputs)]
    # Not under no_grad: func may itself differentiate (gradgradcheck checks a vjp function).
    for k in range(flat.size):
        original = flat[k]
        flat[k] = original + eps
        # Copies: an output may be a view of the input being perturbed.
        plus = [o.data.copy() for o in _differentiable_outputs(_as_tuple(func(*inputs)))]
        flat[k] = original - eps
        minus = [o.data.copy() for o in _differentiable_outputs(_as_tuple(func(*inputs)))]
        flat[k] = original
        for i, (p, m) in enumerate(zip(plus, minus)):
            columns[i].append(((p - m) / (2 * eps)).reshape(-1).astype(np.float64))
    return [np.stack(c, axis=1) if c else np.zeros((0, 0)) for c in columns]


def _analytical_jacobian(outputs: list[Tensor], inputs: list[Tensor]) -> list[list[np.ndarray]]:
    """jac[i][j]: d outputs[i] / d inputs[j], one backward pass per output element."""
    jacobians = [[np.zeros((o.data.size, t.data.size)) for t in inputs] for o in outputs]
    for i, output in enumerate(outputs):
        if not output.requires_grad:
            continue
        for row in range(output.data.size):
            seed = np.zeros(output.data.size, dtype=output.data.dtype)
            seed[row] = 1
            grads = grad(
                output, inputs, Tensor._make(seed.reshape(output.shape), None), retain_graph=True, allow_unused=True
            )
            for j, g in enumerate(grads):
                if g is not None:
                    jacobians[i][j][row] = g.data.reshape(-1)
    return jacobians


def _warn_precision(inputs: tuple[Any, ...]) -> None:
    for idx, tensor in enumerate(inputs):
        if isinstance(tensor, Tensor) and tensor.requires_grad and tensor.dtype != np.float64:
            warnings.warn(
                f"Input #{idx} requires gradient and is not a double precision floating point or complex. "
                "This check will likely fail if all the inputs are not of double precision floating point or complex. ",
                UserWarning,
                stacklevel=3,
            )


def _compare(func: Callable[..., Any], inputs: tuple[Any, ...], eps: float, atol: float, rtol: float) -> str | None:
    """None when every Jacobian matches, else PyTorch's mismatch message for the first that does not."""
    differentiable = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    outputs = _differentiable_outputs(_as_tuple(func(*inputs)))
    analytical = _analytical_jacobian(outputs, [inputs[i] for i in differentiable])
    for j, index in enumerate(differentiable):
        numerical = _numerical_jacobian(func, inputs, index, eps, len(outputs))
        for i in range(len(outputs)):
            a, n = analytical[i][j], numerical[i]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                return (
                    f"Jacobian mismatch for output {i} with respect to input {index},\n"
                    f"numerical:{Tensor._make(n, None)!r}\nanalytical:{Tensor._make(a, None)!r}\n"
                )
    return None


def _forward_order(func: Callable[..., Any], inputs: tuple[Any, ...]) -> list[engine.Node]:
    outputs = [o for o in _differentiable_outputs(_as_tuple(func(*inputs))) if o.grad_fn is not None]
    return list(reversed(toposort([o.grad_fn for o in outputs if o.grad_fn is not None])))


def _replay(node: engine.Node) -> tuple[Callable[..., Tensor], tuple[Tensor, ...]]:
    """The node's op as a function of fresh float64 copies of its saved inputs."""
    assert node.inputs is not None
    fresh = tuple(
        Tensor(t.data.astype(np.float64), requires_grad=True) if t.is_floating_point() else Tensor._make(t.data, None)
        for t in node.inputs
    )
    return (lambda *xs: node.op.replay(xs, node.attrs)), fresh


def localize_failure(
    func: Callable[..., Any], inputs: tuple[Any, ...], eps: float, atol: float, rtol: float, order: int
) -> str | None:
    """Name the first op of ``func``'s graph whose own vjp (order 1) or vjp-of-vjp (order 2) is wrong."""
    for node in _forward_order(func, inputs):
        op_func, fresh = _replay(node)
        check: Callable[..., Any] = op_func
        check_inputs: tuple[Any, ...] = fresh
        if order == 2:
            check, check_inputs = _vjp_function(op_func, fresh)
        try:
            mismatch = _compare(check, check_inputs, eps, atol, rtol)
        except Exception as error:  # a vjp that raises is also a culprit worth naming
            mismatch = f"{type(error).__name__}: {error}"
        if mismatch is not None:
            shapes = ", ".join(str(list(t.shape)) for t in fresh)
            derivative = "vjp" if order == 1 else "second derivative (vjp of its vjp)"
            return (
                f"the first op whose {derivative} disagrees with finite differences is {node.name()} "
                f"(op '{node.op.name}', input shapes {shapes}):\n{mismatch}"
            )
    return None


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check analytical gradients of ``func`` against central differences, for every input requiring grad.

    ``inputs`` is a Tensor or a tuple of them (use float64).  Returns True, or raises
    :class:`GradcheckError` (or returns False with ``raise_exception=False``) naming the culprit op.
    """
    inputs = _as_tuple(inputs)
    _warn_precision(inputs)
    mismatch = _compare(func, inputs, eps, atol, rtol)
    if mismatch is None:
        return True
    culprit = localize_failure(func, inputs, eps, atol, rtol, order=1)
    if raise_exception:
        raise GradcheckError(mismatch + (culprit or "every op's vjp matches on its own; check the function itself"))
    return False


def _vjp_function(
    func: Callable[..., Any], inputs: tuple[Any, ...], grad_outputs: Sequence[Tensor] | None = None
) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """f(*inputs, *v) = vjp of func at inputs with cotangents v, with v as extra differentiable inputs."""
    outputs = _differentiable_outputs(_as_tuple(func(*inputs)))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [Tensor(rng.standard_normal(o.shape), dtype=o.dtype, requires_grad=True) for o in outputs]
    cotangents = tuple(grad_outputs)
    n_inputs = len(inputs)
    differentiable = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]

    def vjp(*args: Any) -> tuple[Tensor, ...]:
        primals, vs = args[:n_inputs], args[n_inputs:]
        outs = [o for o in _differentiable_outputs(_as_tuple(func(*primals)))]
        pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        grads = grad(
            [o for o, _ in pairs],
            [primals[i] for i in differentiable],
            [v for _, v in pairs],
            create_graph=True,
            allow_unused=True,
        )
        return tuple(
            g if g is not None else Tensor._make(np.zeros(primals[i].shape, dtype=primals[i].dtype), None)
            for g, i in zip(grads, differentiable)
        )

    return vjp, tuple(inputs) + cotangents


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck of the vjp of ``func`` (random cotangents unless given)."""
    inputs = _as_tuple(inputs)
    _warn_precision(inputs)
    given = None if grad_outputs is None else list(_as_tuple(grad_outputs))
    vjp, vjp_inputs = _vjp_function(func, inputs, given)
    mismatch = _compare(vjp, vjp_inputs, eps, atol, rtol)
    if mismatch is None:
        return True
    culprit = localize_failure(func, inputs, eps, atol, rtol, order=2)
    if raise_exception:
        raise GradcheckError(
            "Gradgradcheck failed: " + mismatch + (culprit or "every op's second derivative matches on its own")
        )
    return False
