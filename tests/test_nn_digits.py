"""Real data: scikit-learn's digits (8x8 images, 80/20 split with seed 0).

A small CNN must reach >= 98% test accuracy and an MLP >= 97%, trained with a plain cross entropy
(log_softmax + indexing) and a hand-written SGD with momentum, so the test exercises only the
layers (the loss modules and optimizers have their own tests).
"""

from __future__ import annotations

import contextlib
import math
import time
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import nn.functional as F

datasets = pytest.importorskip("sklearn.datasets")
model_selection = pytest.importorskip("sklearn.model_selection")


def blas_single_thread() -> Any:
    """Small matmuls gain nothing from BLAS threads, and oversubscribed CPUs make threaded BLAS crawl."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(1)


def digits(images: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    data = datasets.load_digits()
    x = (data.images[:, None] if images else data.data).astype(np.float32) / 16.0
    x_train, x_test, y_train, y_test = model_selection.train_test_split(x, data.target, test_size=0.2, random_state=0)
    return x_train, x_test, y_train, y_test


def train(model: nn.Module, x: np.ndarray, y: np.ndarray, epochs: int, lr: float = 0.05, seed: int = 0) -> float:
    """Mini-batch SGD (momentum 0.9, weight decay 5e-4, cosine learning rate); returns seconds taken."""
    params = list(model.parameters())
    velocity = [np.zeros_like(p.data) for p in params]
    rng = np.random.default_rng(seed)
    batch = 32
    steps, step = epochs * math.ceil(len(x) / batch), 0
    start = time.perf_counter()
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            logits = model(am.tensor(x[idx]))
            loss = -(F.log_softmax(logits, 1)[np.arange(len(idx)), y[idx]]).mean()
            model.zero_grad()
            loss.backward()
            rate = lr * 0.5 * (1 + math.cos(math.pi * step / steps))
            step += 1
            with am.no_grad():
                for p, v in zip(params, velocity):
                    assert p.grad is not None
                    v *= 0.9
                    v += p.grad.data + 5e-4 * p.data
                    p -= rate * am.tensor(v)
    return time.perf_counter() - start


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    with am.no_grad():
        return float((model(am.tensor(x)).data.argmax(1) == y).mean())


def test_small_cnn_reaches_98_percent_on_digits() -> None:
    x_train, x_test, y_train, y_test = digits(images=True)
    am.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),  # 16 x 4 x 4
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 2 x 2
        nn.Flatten(), nn.Linear(128, 10),
    )  # fmt: skip
    with blas_single_thread():
        seconds = train(model, x_train, y_train, epochs=15)
        acc = accuracy(model, x_test, y_test)
    print(f"digits CNN: test accuracy {acc:.4f} after {seconds:.1f} s of training")
    assert acc >= 0.98


def test_mlp_reaches_97_percent_on_digits() -> None:
    x_train, x_test, y_train, y_test = digits(images=False)
    am.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(),
        nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(),
        nn.Linear(64, 10),
    )  # fmt: skip
    with blas_single_thread():
        seconds = train(model, x_train, y_train, epochs=30)
        acc = accuracy(model, x_test, y_test)
    print(f"digits MLP: test accuracy {acc:.4f} after {seconds:.1f} s of training")
    assert acc >= 0.97
