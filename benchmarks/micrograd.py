"""A minimal pure-Python scalar autodiff ``Value`` with micrograd's semantics (written for this benchmark), and W3's
scalar-graph step with it: the yardstick for autograd_mini's graph of 0-d tensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Union

from .common import Outcome, scalar_layers
from .problems import MoonsProblem

Number = Union["Value", float, int]


class Value:
    """A Python float that records how it was made; ``backward()`` fills ``grad`` of every value it depends on."""

    __slots__ = ("_backward", "_parents", "data", "grad")

    def __init__(self, data: float, parents: tuple[Value, ...] = ()) -> None:
        self.data = data
        self.grad = 0.0
        self._parents = parents
        self._backward: Callable[[], None] = _nothing

    def __add__(self, other: Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other: Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def relu(self) -> Value:
        out = Value(self.data if self.data > 0 else 0.0, (self,))

        def backward() -> None:
            self.grad += (out.data > 0) * out.grad

        out._backward = backward
        return out

    def __neg__(self) -> Value:
        return self * -1

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __sub__(self, other: Number) -> Value:
        return self + (-other)

    def backward(self) -> None:
        """Reverse topological order by an explicit depth-first search (no recursion limit), then each closure."""
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent in node._parents)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


def _nothing() -> None:
    pass


class _Neuron:
    def __init__(self, w: Any, b: float, nonlin: bool) -> None:
        self.w = [Value(float(v)) for v in w]
        self.b = Value(float(b))
        self.nonlin = nonlin

    def __call__(self, x: list[Value]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act


class ScalarMoons:
    """W3's step as micrograd's demo writes it: forward per point, zero_grad, backward, SGD update."""

    def __init__(self, problem: MoonsProblem) -> None:
        self.p = problem
        last = len(problem.weights) - 1
        self.layers = [
            [_Neuron(w[j], float(b[j]), i < last) for j in range(w.shape[0])]
            for i, (w, b) in enumerate(zip(problem.weights, problem.biases))
        ]
        self.params = [p for layer in self.layers for n in layer for p in (*n.w, n.b)]
        self.rows = problem.x.tolist()
        self.labels = problem.y.tolist()

    def _step(self) -> Value:
        inputs = [[Value(v) for v in row] for row in self.rows]
        scores = []
        for x in inputs:
            for layer in self.layers:
                x = [neuron(x) for neuron in layer]
            scores.append(x[0])
        losses = [(1 + -yi * si).relu() for yi, si in zip(self.labels, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = self.p.alpha * sum(p * p for p in self.params)
        loss = data_loss + reg_loss
        for p in self.params:
            p.grad = 0.0
        loss.backward()
        for p in self.params:
            p.data -= self.p.lr * p.grad
        return loss

    def step(self) -> None:
        self._step()

    def check(self) -> Outcome:
        loss = self._step().data
        pairs = [[(n.w, n.b) for n in layer] for layer in self.layers]
        return Outcome([loss], scalar_layers(pairs, lambda v: v.grad), scalar_layers(pairs, lambda v: v.data))

    def info(self) -> dict[str, Any]:
        return {}
