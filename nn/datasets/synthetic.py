"""Small seeded synthetic data sets for the lecture examples.

Every function takes a ``seed`` (the same seed gives the same arrays) and returns NumPy arrays: features are
float32; class labels are int64 (what ``cross_entropy`` takes; ``y.astype(np.float32)`` for a BCE target);
regression targets are float32 of shape (N, 1), ready for ``nn.Linear`` and ``mse_loss``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["circles", "cubic", "moons", "sine", "spiral", "xor"]

Arrays = tuple[np.ndarray, np.ndarray]


def _halves(n_samples: int) -> tuple[int, int]:
    """Sizes of the outer and inner parts, as scikit-learn (the inner one gets the odd sample)."""
    if n_samples < 0:
        raise ValueError(f"n_samples must be non-negative, got {n_samples}")
    return n_samples // 2, n_samples - n_samples // 2


def _finish(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, shuffle: bool) -> Arrays:
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return np.ascontiguousarray(X, dtype=np.float32), np.ascontiguousarray(y)


def xor(n_samples: int = 200, noise: float = 0.1, seed: int = 0, shuffle: bool = True) -> Arrays:
    """Four Gaussian blobs (std ``noise``) at the corners (±1, ±1); label 1 where the signs differ (XOR).

    Returns ``X`` float32 (n_samples, 2) and ``y`` int64 (n_samples,).  No straight line separates the classes.
    With ``noise=0`` and ``shuffle=False`` the first four points are the truth table (-1,-1)->0, (-1,1)->1,
    (1,-1)->1, (1,1)->0.
    """
    rng = np.random.default_rng(seed)
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    which = np.arange(n_samples) % 4
    X = corners[which] + noise * rng.standard_normal((n_samples, 2))
    y = (corners[which, 0] != corners[which, 1]).astype(np.int64)
    return _finish(X, y, rng, shuffle)


def spiral(
    n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, seed: int = 0, shuffle: bool = False
) -> Arrays:
    """The classic spiral of CS231n: ``n_classes`` arms, each sweeping 4 radians while the radius grows 0 -> 1.

    Point i of arm j: r = i / (n-1), t = 4 j + 4 r + ``noise`` * N(0, 1), x = (r sin t, r cos t).
    Returns ``X`` float32 (n_per_class * n_classes, 2) and ``y`` int64, arm by arm unless ``shuffle``.
    """
    rng = np.random.default_rng(seed)
    r = np.linspace(0.0, 1.0, n_per_class)
    arms = np.arange(n_classes)[:, None]
    t = 4.0 * arms + 4.0 * r + noise * rng.standard_normal((n_classes, n_per_class))  # (n_classes, n_per_class)
    X = np.stack([r * np.sin(t), r * np.cos(t)], axis=-1).reshape(-1, 2)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    return _finish(X, y, rng, shuffle)


def moons(n_samples: int = 200, noise: float = 0.1, seed: int = 0, shuffle: bool = True) -> Arrays:
    """Two interleaving half circles (as scikit-learn's ``make_moons``), plus Gaussian ``noise``.

    Returns ``X`` float32 (n_samples, 2) and ``y`` int64 (0: upper moon, 1: lower moon).
    """
    rng = np.random.default_rng(seed)
    n_out, n_in = _halves(n_samples)
    a, b = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    outer = np.stack([np.cos(a), np.sin(a)], axis=1)
    inner = np.stack([1 - np.cos(b), 1 - np.sin(b) - 0.5], axis=1)
    X = np.concatenate([outer, inner]) + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_out, n_in])
    return _finish(X, y, rng, shuffle)


def circles(
    n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0, shuffle: bool = True
) -> Arrays:
    """A large circle (label 0, radius 1) around a small one (label 1, radius ``factor``), plus Gaussian ``noise``.

    Returns ``X`` float32 (n_samples, 2) and ``y`` int64 (n_samples,).
    """
    if not 0 <= factor < 1:
        raise ValueError(f"factor must be in [0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    n_out, n_in = _halves(n_samples)
    a = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    b = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    outer = np.stack([np.cos(a), np.sin(a)], axis=1)
    inner = factor * np.stack([np.cos(b), np.sin(b)], axis=1)
    X = np.concatenate([outer, inner]) + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_out, n_in])
    return _finish(X, y, rng, shuffle)


def cubic(n_samples: int = 100, noise: float = 0.0, low: float = -1.0, high: float = 3.0, seed: int = 0) -> Arrays:
    """Samples of y = x^3 - 3x^2 + 5x - 7 (+ ``noise`` * N(0, 1)), x uniform on [low, high], sorted.

    Returns ``x`` float32 (n_samples, 1) and ``y`` float32 (n_samples, 1).  Least squares on the features
    [x^3, x^2, x, 1] recovers the coefficients [1, -3, 5, -7].
    """
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(low, high, n_samples))
    y = x**3 - 3 * x**2 + 5 * x - 7 + noise * rng.standard_normal(n_samples)
    return x.astype(np.float32)[:, None], y.astype(np.float32)[:, None]


def sine(n_samples: int = 200, noise: float = 0.0, low: float = -3.0, high: float = 3.0, seed: int = 0) -> Arrays:
    """Samples of y = sin(x) (+ ``noise`` * N(0, 1)), x uniform on [low, high], sorted.

    Returns ``x`` float32 (n_samples, 1) and ``y`` float32 (n_samples, 1).
    """
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(low, high, n_samples))
    y = np.sin(x) + noise * rng.standard_normal(n_samples)
    return x.astype(np.float32)[:, None], y.astype(np.float32)[:, None]
