"""Datasets and mini-batch loading, with ``torch.utils.data``'s spellings and semantics.

>>> import numpy as np
>>> from nn.data import DataLoader, TensorDataset
>>> ds = TensorDataset(np.zeros((10, 3), np.float32), np.arange(10))
>>> [tuple(x.shape) for x, y in DataLoader(ds, batch_size=4)]
[(4, 3), (4, 3), (2, 3)]

Array datasets (:class:`TensorDataset`, a :class:`Subset` of one, a bare NumPy array or Tensor) are batched
by fancy-indexing whole arrays with the batch's indices: there is no Python loop over the items of a batch.
Any other dataset is indexed item by item and the items are merged by ``collate_fn`` (:func:`default_collate`).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from ._collate import as_tensor, default_collate, default_convert

__all__ = [
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "default_convert",
    "random_split",
]

Indices = np.ndarray  # int64, shape (B,)


class Dataset:
    """A map-style dataset: ``dataset[i]`` is sample ``i`` and ``len(dataset)`` the number of samples.

    A subclass that can gather many samples at once may define ``get_batch(indices) -> batch``, taking an int64
    array of shape (B,) and returning what ``default_collate`` would make of those B samples; :class:`DataLoader`
    then uses it instead of indexing item by item (when no ``collate_fn`` is given).
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


def _take(tensor: Tensor, indices: Indices) -> Tensor:
    """Rows ``indices`` of ``tensor``: one fancy index (recorded in the graph only when ``tensor`` requires grad)."""
    if tensor.requires_grad:
        return tensor[indices]
    return am.from_numpy(tensor.data[indices])


class TensorDataset(Dataset):
    """Samples are the rows of equal-length arrays: ``dataset[i] == (t[i] for t in tensors)``.

    ``tensors``: autograd_mini Tensors or NumPy arrays (kept as Tensors sharing the arrays' memory), each of
    shape (N, ...).  Batches are gathered with one fancy index per tensor, as a list of Tensors of shape (B, ...).
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        self.tensors: tuple[Tensor, ...] = tuple(as_tensor(t) for t in tensors)
        if not self.tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        if any(t.ndim == 0 for t in self.tensors):
            raise ValueError("TensorDataset tensors must have a first (sample) dimension")
        if any(t.shape[0] != self.tensors[0].shape[0] for t in self.tensors):
            raise ValueError("Size mismatch between tensors")

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])

    def get_batch(self, indices: Indices) -> list[Tensor]:
        """The samples at ``indices`` (shape (B,)) collated: one Tensor of shape (B, ...) per tensor."""
        return [_take(t, indices) for t in self.tensors]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (list, np.ndarray)):
            return [self.dataset[int(i)] for i in self.indices[np.asarray(index, dtype=np.int64)]]
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another."""

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        if which >= len(self.datasets):
            raise IndexError(f"index {index} is out of range for a dataset of length {len(self)}")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _batch_getter(dataset: Any) -> Callable[[Indices], Any] | None:
    """A vectorised gather for array datasets, or None for datasets indexed item by item."""
    if isinstance(dataset, np.ndarray):
        return lambda idx: am.from_numpy(dataset[idx])
    if isinstance(dataset, Tensor):
        return lambda idx: _take(dataset, idx)
    if isinstance(dataset, Subset):
        inner = _batch_getter(dataset.dataset)
        return None if inner is None else lambda idx: inner(dataset.indices[idx])
    getter = getattr(dataset, "get_batch", None)
    return getter if callable(getter) else None


def random_split(
    dataset: Any, lengths: Sequence[int | float], generator: np.random.Generator | None = None
) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping :class:`Subset` s of the given lengths.

    ``lengths``: sizes summing to ``len(dataset)``, or fractions summing to 1 (each ``floor(n * f)``, the
    remainder handed out one by one round-robin, as PyTorch).  ``generator`` defaults to autograd_mini's.
    """
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=2
                )
        lengths = sizes
    if any(length < 0 or int(length) != length for length in lengths):
        raise ValueError(f"lengths must be non-negative integers or fractions summing to 1 (got {list(lengths)})")
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    rng = generator if generator is not None else am.default_generator()
    order = rng.permutation(n).astype(np.int64)
    bounds = np.cumsum([0, *(int(length) for length in lengths)])
    return [Subset(dataset, order[a:b]) for a, b in itertools.pairwise(bounds)]


# ---------------------------------------------------------------------------------------- the loader
class DataLoader:
    """Mini-batches of ``dataset``, reshuffled at every epoch (every ``iter``) when ``shuffle`` is true.

    ``batch_size``: samples per batch; ``None`` yields single samples (``default_convert`` ed) without batching.
    ``drop_last``: skip a last, smaller batch.  ``collate_fn``: merges a list of samples (default
    :func:`default_collate`; when it is not given, array datasets are gathered in one fancy index).
    ``generator`` (a ``numpy.random.Generator``) or ``seed`` fix the shuffling order; with neither, the order comes
    from autograd_mini's global generator (``autograd_mini.manual_seed``).  ``len(loader)`` is the number of batches.
    Arguments after ``shuffle`` are keyword-only: PyTorch's next positional one is ``sampler``, which this loader
    does not take, so a positional call could not mean the same thing.

    Each batch of a :class:`TensorDataset` is a list of Tensors of shape (batch_size, ...), one per tensor.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool = False,
        *,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        generator: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0
        ):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass either generator or seed, not both")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(f"generator must be a numpy.random.Generator, got {type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = np.random.default_rng(seed) if seed is not None else generator

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self) -> Indices:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        rng = self.generator if self.generator is not None else am.default_generator()
        return rng.permutation(n).astype(np.int64)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield default_convert(self.dataset[int(i)])
            return
        size = self.batch_size
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        gather = _batch_getter(self.dataset) if self.collate_fn is None else None
        collate = self.collate_fn or default_collate
        for start in range(0, stop, size):
            indices = order[start : start + size]
            if gather is not None:
                yield gather(indices)
            else:
                yield collate([self.dataset[int(i)] for i in indices])
