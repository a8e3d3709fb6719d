"""The main job (``make demo``): an MLP on the real handwritten digits, checked, trained, compared and drawn.

1. Define a 64-64-10 ReLU network with ``nn`` and gradcheck it: a float64 copy, every parameter, finite differences
   against backward (``autograd_mini.gradcheck``).
2. Train it on scikit-learn's digits (8 x 8 images; stratified 80/20 split, seed 0) with Adam, a tqdm progress bar
   showing loss and accuracy, and train a linear model (softmax regression) the same way; print both test accuracies.
3. Write into ``out/``: ``main_graph.svg``, the computation graph of one training step (parameters named, grouped by
   layer, coloured by gradient norm); ``main_training.png``, the training curves; ``main_decision_regions.png``, the
   decision regions of an MLP trained on the 2-D three-arm spiral.

Run ``python examples/main.py [--quick] [--out DIR] [--epochs N]`` (``--quick``: a few epochs, for the tests).
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from _common import F, fit, mlp, parse_args, report, save_figure, save_graph, single_thread_blas

import autograd_mini as am
import nn
import visualize
from visualize.plots import plot_decision_regions, plot_training


def gradcheck_model(model: nn.Module, X: np.ndarray, y: np.ndarray) -> bool:
    """Finite differences against backward for every parameter of a float64 copy of ``model`` on a small batch."""
    model64 = copy.deepcopy(model).double()
    inputs, targets = am.tensor(X.astype(np.float64)), am.tensor(y)
    params = tuple(model64.parameters())
    return am.gradcheck(lambda *_: F.cross_entropy(model64(inputs), targets), params, raise_exception=False)


def draw_training_step(model: nn.Module, X: np.ndarray, y: np.ndarray, out: Any) -> Any:
    """One forward and backward pass on a mini-batch, drawn with the parameters named and gradients coloured."""
    with visualize.trace_modules(model):
        loss = F.cross_entropy(model(am.tensor(X)), am.tensor(y))
    with visualize.record_grads(loss) as record:
        loss.backward()
    model.zero_grad()
    return save_graph(
        loss,
        out,
        "main_graph",
        params=model,
        grads=record,
        color_by="grad_norm",
        group_by=model,
        title=f"one training step: cross-entropy of a batch of {len(y)} digits",
    )


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--epochs", type=int, default=None, help="epochs on the digits (default 30; 3 quick)")

    args = parse_args(argv, __doc__, options)
    start = time.perf_counter()
    epochs = args.epochs if args.epochs is not None else (3 if args.quick else 30)
    X_train, y_train, X_test, y_test = nn.datasets.digits_split(0.2, seed=0)
    print(f"digits: {len(y_train)} training and {len(y_test)} test images of 8 x 8 pixels, 10 classes")

    model = mlp([64, 64, 10])
    print(f"model: {model}".replace("\n", "\n  "))
    print(f"parameters: {nn.count_parameters(model)}")
    passed = gradcheck_model(model, X_train[:8], y_train[:8])
    print(f"gradcheck (float64 copy, all {nn.count_parameters(model)} parameters, 8 images): "
          f"{'passed' if passed else 'FAILED'}")  # fmt: skip
    graph = draw_training_step(model, X_train[:32], y_train[:32], args.out)

    common = {"epochs": epochs, "lr": 0.01, "batch_size": 64, "test": (X_test, y_test), "seed": args.seed}
    history = fit(model, X_train, y_train, progress="MLP 64-64-10", **common)
    am.manual_seed(args.seed)
    linear = nn.Linear(64, 10)
    linear_history = fit(linear, X_train, y_train, progress="linear (softmax regression)", **common)
    mlp_accuracy, linear_accuracy = history["test_acc"][-1], linear_history["test_acc"][-1]
    print(f"test accuracy: MLP {mlp_accuracy:.2%}   linear model {linear_accuracy:.2%}")

    training = save_figure(plot_training(history), args.out, "main_training.png")
    X2, y2 = nn.datasets.spiral(100, 3, seed=args.seed)
    am.manual_seed(args.seed)
    spiral_model = mlp([2, 64, 64, 3])
    spiral_history = fit(spiral_model, X2, y2, epochs=100 if args.quick else 300, lr=0.01)
    regions = plot_decision_regions(spiral_model, X2, y2)
    regions.axes[0].set_title(f"MLP 2-64-64-3 on the spiral: training accuracy {spiral_history['acc'][-1]:.0%}")
    decision = save_figure(regions, args.out, "main_decision_regions.png")

    seconds = time.perf_counter() - start
    return report(
        f"Main job done in {seconds:.1f}s",
        {
            "gradcheck_passed": passed,
            "mlp_test_accuracy": mlp_accuracy,
            "linear_test_accuracy": linear_accuracy,
            "spiral_train_accuracy": spiral_history["acc"][-1],
            "epochs": epochs,
            "seconds": round(seconds, 2),
            "files": [str(graph), str(training), str(decision)],
        },
    )


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:])["gradcheck_passed"] else 1)
