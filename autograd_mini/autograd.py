"""The user-facing entry points of reverse mode: ``Tensor.backward`` and ``autograd_mini.grad``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._convert import ONE
from .backward import run_backward
from .ops.registry import shape_text
from .tensor import Tensor


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, Tensor):
        return [value]
    return list(value)


def _implicit_seed(output: Tensor) -> Tensor:
    """The gradient of a one-element output with respect to itself: ones (for 0-d, a copy of a cached 0-d one,
    several times cheaper than ``np.ones``)."""
    dtype = output.data.dtype
    ones = ONE[dtype].copy() if output.data.ndim == 0 else np.ones(output.shape, dtype=dtype)
    return Tensor._make(ones, None)


def _root_gradients(outputs: list[Tensor], grad_outputs: list[Any]) -> list[Tensor]:
    """Seed gradients: ones for one-element outputs, else the given ones (shape-checked)."""
    if grad_outputs and len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad requires one grad_output per output: got {len(grad_outputs)} for {len(outputs)} outputs"
        )
    seeds = []
    for index, output in enumerate(outputs):
        given = grad_outputs[index] if grad_outputs else None
        if given is None:
            if output.data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            seeds.append(_implicit_seed(output))
            continue
        seed = given if isinstance(given, Tensor) else Tensor(given, dtype=output.dtype)
        if seed.dtype != output.dtype and seed.is_floating_point() and output.is_floating_point():
            seed = seed.to(output.dtype)  # as PyTorch: the seed takes the output's dtype
        if seed.shape != output.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{index}] has a shape of {shape_text(seed.shape)} and "
                f"output[{index}] has a shape of {shape_text(output.shape)}."
            )
        seeds.append(seed)
    return seeds


def _check_outputs(outputs: list[Tensor]) -> None:
    for index, output in enumerate(outputs):
        if not isinstance(output, Tensor):
            raise TypeError(f"backward expected Tensors as outputs, got {type(output).__name__}")
        if not output.requires_grad:
            raise RuntimeError(f"element {index} of tensors does not require grad and does not have a grad_fn")


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves (or only of ``inputs``)."""
    if grad_tensors is None and inputs is None and isinstance(tensors, Tensor) and tensors.grad_fn is not None:
        if tensors.data.ndim == 0:  # ``loss.backward()``, once per training step: no argument lists to check
            retain = create_graph if retain_graph is None else retain_graph
            run_backward([tensors], [_implicit_seed(tensors)], retain_graph=retain, create_graph=create_graph)
            return
    outputs = _as_list(tensors)
    _check_outputs(outputs)
    grads = grad_tensors if isinstance(grad_tensors, (list, tuple)) else _as_list(grad_tensors)
    seeds = _root_gradients(outputs, list(grads))
    targets = _as_list(inputs) if inputs is not None else None
    if targets is not None and not targets:
        raise RuntimeError("backward() received an empty list of inputs")
    run_backward(
        outputs,
        seeds,
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph,
        inputs=targets,
        accumulate=True,
    )


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated into .grad).

    With ``create_graph=True`` the results are themselves differentiable (higher-order gradients).
    """
    output_list = _as_list(outputs)
    input_list = _as_list(inputs)
    _check_outputs(output_list)
    for index, tensor in enumerate(input_list):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"grad(): inputs[{index}] is {type(tensor).__name__}, expected a Tensor")
        if not tensor.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    given = grad_outputs if isinstance(grad_outputs, (list, tuple)) else _as_list(grad_outputs)
    seeds = _root_gradients(output_list, list(given))
    results = run_backward(
        output_list,
        seeds,
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph,
        inputs=input_list,
        accumulate=False,
    )
    if not allow_unused and any(result is None for result in results):
        raise RuntimeError(
            "One of the differentiated Tensors appears to not have been used in the graph. "
            "Set allow_unused=True if this is the desired behavior."
        )
    return tuple(results)
