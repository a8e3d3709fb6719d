"""Backward's calls of a node's vjps outside its fast loop (:func:`vjps`), and anomaly mode's (``detect_anomaly``):
a failing node's error names where in the user's code it was made, and a vjp that returns NaN is refused."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .engine import Edge, Node


def forward_stack_text(node: Node) -> str:
    """Where ``node`` was made, as anomaly mode recorded it, for an error message."""
    stack = "".join(node.stack or ["  (not recorded: the node was created outside anomaly mode)\n"])
    return f"Traceback of forward call that caused the error ({node.name()}):\n{stack}"


def vjps(node: Node, grad: Any, mask: Sequence[Edge], raw: bool) -> Sequence[Any]:
    """The node's input gradients: arrays when ``raw`` (a backward that builds no graph), else Tensors."""
    return node.op.array_backward(node, grad, mask) if raw else node.op.backward(node, grad, mask)


def run_vjps_anomaly(node: Node, grad: Any, mask: Sequence[Edge], raw: bool) -> Sequence[Any]:
    """:func:`vjps` in anomaly mode: report the forward stack of a failing node, refuse NaN gradients."""
    try:
        grads = vjps(node, grad, mask, raw)
    except Exception as error:
        note = f"Error detected in {node.name()}. " + forward_stack_text(node)
        if hasattr(error, "add_note"):
            error.add_note(note)
        else:  # Python 3.10 has no exception notes
            warnings.warn(note, RuntimeWarning, stacklevel=2)
        raise
    for index, input_grad in enumerate(grads):
        array = input_grad if raw or input_grad is None else input_grad.data
        if array is not None and array.dtype.kind == "f" and np.isnan(array).any():
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {index}th output.\n" + forward_stack_text(node)
            )
    return grads
