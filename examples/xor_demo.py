"""XOR with a 2-8-1 network written with plain Tensor operators, trained by hand-written SGD.

The network is ``sigmoid(tanh(x @ w1 + b1) @ w2 + b2)`` with a binary cross-entropy loss.  Parameters
are leaf tensors created with ``requires_grad=True``; each step calls ``loss.backward()``, updates the
parameters in place under ``no_grad()`` and zeroes the gradients with ``p.grad = None``.  At the end the
loss is checked against finite differences with ``autograd_mini.gradcheck`` in float64.

Run ``python examples/xor_demo.py`` (or ``--quick`` for fewer steps, as the tests do).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=np.float32)
TARGETS = np.array([[0.0], [1.0], [1.0], [0.0]], dtype=np.float32)


@dataclass
class DemoResult:
    """What a training run produced: the loss curve, the final predictions and the gradcheck verdict."""

    hidden: int
    losses: list[float]
    probabilities: np.ndarray
    gradcheck_passed: bool

    @property
    def predictions(self) -> np.ndarray:
        """Class predictions (0 or 1) for the four XOR inputs."""
        return (self.probabilities > 0.5).astype(np.int64).reshape(-1)

    @property
    def correct(self) -> bool:
        """Whether every XOR input is classified correctly."""
        return bool(np.array_equal(self.predictions, TARGETS.astype(np.int64).reshape(-1)))


def init_params(hidden: int, seed: int) -> list[Tensor]:
    """Seeded float32 parameters ``[w1, b1, w2, b2]`` as leaf tensors that require grad."""
    rng = np.random.default_rng(seed)
    arrays = [
        rng.normal(0.0, 1.0, (2, hidden)),
        np.zeros(hidden),
        rng.normal(0.0, 1.0 / np.sqrt(hidden), (hidden, 1)),
        np.zeros(1),
    ]
    return [am.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]


def forward(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) -> Tensor:
    """Probabilities of class 1: a tanh hidden layer followed by a sigmoid output unit."""
    hidden = (x @ w1 + b1).tanh()
    return (hidden @ w2 + b2).sigmoid()


def bce_loss(x: Tensor, y: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) -> Tensor:
    """Mean binary cross-entropy of the network's predictions on ``x`` against targets ``y``."""
    p = forward(x, w1, b1, w2, b2)
    return -(y * p.log() + (1.0 - y) * (1.0 - p).log()).mean()


def check_gradients(params: Sequence[Tensor]) -> bool:
    """Gradcheck the loss w.r.t. float64 copies of the parameters (finite differences vs. backward)."""
    params64 = [am.tensor(p.detach().numpy().astype(np.float64), requires_grad=True) for p in params]
    x, y = am.tensor(INPUTS.astype(np.float64)), am.tensor(TARGETS.astype(np.float64))
    return am.gradcheck(lambda *ps: bce_loss(x, y, *ps), tuple(params64), raise_exception=False)


def train(steps: int = 2000, lr: float = 0.5, hidden: int = 8, seed: int = 0) -> DemoResult:
    """Full-batch gradient descent on XOR; returns the loss per step, final probabilities and gradcheck result."""
    params = init_params(hidden, seed)
    x, y = am.tensor(INPUTS), am.tensor(TARGETS)
    losses: list[float] = []
    for _ in range(steps):
        loss = bce_loss(x, y, *params)
        loss.backward()
        losses.append(loss.item())
        with am.no_grad():
            for p in params:
                assert p.grad is not None
                p -= lr * p.grad
                p.grad = None
    with am.no_grad():
        probabilities = forward(x, *params).numpy()
    return DemoResult(hidden, losses, probabilities, check_gradients(params))


def report(result: DemoResult, seconds: float) -> str:
    """A human-readable summary: loss curve checkpoints, predictions table and gradcheck verdict."""
    steps = len(result.losses)
    checkpoints = sorted({0, *range(steps // 5, steps, max(steps // 5, 1)), steps - 1})
    lines = [f"Trained a 2-{result.hidden}-1 tanh/sigmoid network on XOR for {steps} steps ({seconds:.2f}s)."]
    lines.append("Loss curve:")
    lines += [f"  step {s + 1:5d}  loss {result.losses[s]:.5f}" for s in checkpoints]
    lines.append("Predictions:")
    for inp, target, prob, pred in zip(INPUTS, TARGETS[:, 0], result.probabilities[:, 0], result.predictions):
        mark = "ok" if pred == target else "WRONG"
        lines.append(f"  x = {inp.astype(int).tolist()}  target {int(target)}  p(1) = {prob:.4f}  -> {pred}  {mark}")
    lines.append(f"All predictions correct: {'yes' if result.correct else 'no'}")
    lines.append(f"gradcheck (float64, all parameters): {'passed' if result.gradcheck_passed else 'FAILED'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Train, print the report, and return 0 when XOR is learned and gradcheck passes (1 otherwise)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="train for fewer steps (used by the tests)")
    parser.add_argument("--steps", type=int, default=None, help="number of SGD steps (default 2000, 600 with --quick)")
    parser.add_argument("--lr", type=float, default=0.5, help="learning rate")
    parser.add_argument("--hidden", type=int, default=8, help="hidden layer width")
    parser.add_argument("--seed", type=int, default=0, help="seed for the parameter initialisation")
    args = parser.parse_args(argv)
    steps = args.steps if args.steps is not None else (600 if args.quick else 2000)
    start = time.perf_counter()
    result = train(steps=steps, lr=args.lr, hidden=args.hidden, seed=args.seed)
    print(report(result, time.perf_counter() - start))
    return 0 if result.correct and result.gradcheck_passed else 1


if __name__ == "__main__":
    sys.exit(main())
