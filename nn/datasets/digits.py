"""scikit-learn's handwritten digits (1,797 images of 8 x 8 pixels, 16 grey levels), shipped with scikit-learn.

scikit-learn is imported only when ``digits`` is called: install it with ``pip install scikit-learn`` (or the
``data`` extra: ``pip install 'autograd-mini[data]'``).  Nothing is downloaded.
"""

from __future__ import annotations

import numpy as np

__all__ = ["digits", "digits_split", "train_test_split"]

MISSING = (
    "nn.datasets.digits() needs scikit-learn, which is not installed: pip install scikit-learn "
    "(or pip install 'autograd-mini[data]')"
)


def digits(images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as ``(X, y)``.

    ``X``: float32 with pixel values scaled to [0, 1], shape (1797, 64), or (1797, 1, 8, 8) with ``images=True``
    (for conv layers); ``y``: int64 (1797,) digits 0-9.  Raises ImportError when scikit-learn is missing.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:
        raise ImportError(MISSING) from err
    bunch = load_digits()
    X = np.asarray(bunch.data, dtype=np.float32) / np.float32(16.0)
    y = np.asarray(bunch.target, dtype=np.int64)
    return (X.reshape(-1, 1, 8, 8) if images else X), y


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_size: float | int = 0.25, seed: int = 0, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A seeded split of ``(X, y)`` into ``(X_train, y_train, X_test, y_test)``.

    ``test_size``: a fraction of the samples or a count.  ``stratify``: keep each class's share (``y`` must
    hold class labels) by splitting every class separately.
    """
    n = len(y)
    n_test = round(test_size * n) if isinstance(test_size, float) else int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"test_size={test_size} leaves no training or no test samples out of {n}")
    rng = np.random.default_rng(seed)
    if not stratify:
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        classes, inverse = np.unique(y, return_inverse=True)
        # each class gives round(its share of n_test), adjusted so the counts add up to n_test
        counts = np.bincount(inverse, minlength=len(classes))
        quota = np.floor(counts * n_test / n).astype(int)
        remainder = counts * n_test / n - quota
        quota[np.argsort(-remainder, kind="stable")[: n_test - quota.sum()]] += 1
        order = rng.permutation(n)
        rank = np.empty(n, dtype=np.int64)  # position of each shuffled sample within its class
        by_class = order[np.argsort(inverse[order], kind="stable")]
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank[by_class] = np.arange(n) - np.repeat(starts, counts)
        is_test = rank < quota[inverse]
        test, train = order[is_test[order]], order[~is_test[order]]
    return X[train], y[train], X[test], y[test]


def digits_split(
    test_size: float | int = 0.2, seed: int = 0, images: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digits split, stratified by class and seeded, into ``(X_train, y_train, X_test, y_test)``.

    Shapes as :func:`digits` (rows (64,) or images (1, 8, 8)); with the default 0.2, 1,438 train and 359 test.
    """
    X, y = digits(images=images)
    return train_test_split(X, y, test_size=test_size, seed=seed)
