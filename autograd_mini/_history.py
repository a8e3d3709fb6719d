"""The ``grad_fn`` a tensor had at a given time, for nodes whose edges are worked out late.

A node records its inputs, and works out its edges (the producers of those inputs) when backward
first needs them.  A recorded in-place op or ``detach_`` replaces a tensor's ``grad_fn`` in the
meantime; ``engine.record_new_grad_fn`` then keeps the one it replaces here, so that a node made
before the change still leads to the producer of its time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Node
    from .tensor import Tensor

# Tensors whose ``grad_fn`` was replaced (a recorded in-place op, detach_), keyed by id: the
# ``grad_fn`` each had before each change, with the clock value of the change, so that a node made
# before sees the producer of its time (Node.next).  Entries go when their tensor does.
GRAD_FN_HISTORY: dict[int, list[tuple[int, Node | None]]] = {}


def grad_fn_at(t: Tensor, stamp: int) -> Node | None:
    """The ``grad_fn`` ``t`` had when the clock read ``stamp``."""
    for clock, grad_fn in GRAD_FN_HISTORY.get(id(t), ()):
        if clock > stamp:  # the first change after that time: what t had before it
            return grad_fn
    return t.grad_fn
