"""nn.data: TensorDataset, Subset, ConcatDataset, DataLoader (batching, shuffling, len), random_split, collation."""

from __future__ import annotations

import collections
import importlib.util
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor
from nn.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    default_convert,
    random_split,
)

HAS_TORCH = importlib.util.find_spec("torch") is not None


def make_dataset(n: int = 10) -> TensorDataset:
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    return TensorDataset(X, np.arange(n, dtype=np.int64))


def labels(loader: DataLoader) -> list[list[int]]:
    return [batch[1].tolist() for batch in loader]


class Squares(Dataset):
    """A map-style dataset indexed item by item (no get_batch)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        if not 0 <= index < self.n:
            raise IndexError(index)
        return np.array([index, index**2], dtype=np.float32), index

    def __len__(self) -> int:
        return self.n


# ------------------------------------------------------------------------------------ TensorDataset
def test_tensor_dataset_accepts_tensors_and_arrays() -> None:
    x = am.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    y = np.array([0, 1, 2])
    ds = TensorDataset(x, y)
    assert len(ds) == 3
    assert all(isinstance(t, Tensor) for t in ds.tensors)
    xi, yi = ds[1]
    assert xi.tolist() == [3.0, 4.0] and yi.item() == 1
    assert ds.tensors[0] is x  # tensors are kept, not copied


def test_tensor_dataset_shares_numpy_memory() -> None:
    X = np.zeros((4, 2), dtype=np.float32)
    ds = TensorDataset(X)
    X[2] = 7.0
    assert ds[2][0].tolist() == [7.0, 7.0]


def test_tensor_dataset_errors() -> None:
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="first"):
        TensorDataset(np.float32(1.0))


# ------------------------------------------------------------------------------------ DataLoader
@pytest.mark.parametrize("n", [0, 1, 9, 10, 11])
@pytest.mark.parametrize("batch_size", [1, 3, 5, 10, 12])
@pytest.mark.parametrize("drop_last", [False, True])
def test_len_matches_batches(n: int, batch_size: int, drop_last: bool) -> None:
    loader = DataLoader(make_dataset(n), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches) == (n // batch_size if drop_last else -(-n // batch_size))
    sizes = [len(b[0]) for b in batches]
    assert sum(sizes) == (n - n % batch_size if drop_last else n)
    assert all(s == batch_size for s in sizes[:-1])


def test_batches_are_tensors_in_order() -> None:
    loader = DataLoader(make_dataset(10), batch_size=4)
    batches = list(loader)
    assert all(isinstance(b, list) and len(b) == 2 for b in batches)
    x, y = batches[0]
    assert isinstance(x, Tensor) and isinstance(y, Tensor)
    assert x.shape == (4, 3) and x.dtype == np.float32 and y.dtype == np.int64
    assert labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    np.testing.assert_array_equal(batches[1][0].numpy(), np.arange(12, 24).reshape(4, 3))


def test_default_batch_size_is_one() -> None:
    loader = DataLoader(make_dataset(3))
    assert len(loader) == 3
    assert [b[0].shape for b in loader] == [(1, 3)] * 3


def test_shuffle_visits_every_sample_once_and_reshuffles_each_epoch() -> None:
    loader = DataLoader(make_dataset(50), batch_size=8, shuffle=True, seed=0)
    epochs = [[i for batch in labels(loader) for i in batch] for _ in range(3)]
    for epoch in epochs:
        assert sorted(epoch) == list(range(50))
    assert epochs[0] != epochs[1] != epochs[2]
    assert epochs[0] != list(range(50))


def test_seed_and_generator_make_the_order_reproducible() -> None:
    ds = make_dataset(30)
    a = DataLoader(ds, batch_size=7, shuffle=True, seed=123)
    b = DataLoader(ds, batch_size=7, shuffle=True, seed=123)
    assert [labels(a) for _ in range(3)] == [labels(b) for _ in range(3)]
    c = DataLoader(ds, batch_size=7, shuffle=True, generator=np.random.default_rng(123))
    assert labels(c) == labels(DataLoader(ds, batch_size=7, shuffle=True, seed=123))
    assert labels(DataLoader(ds, batch_size=7, shuffle=True, seed=124)) != labels(a)


def test_global_generator_drives_shuffling_when_none_given() -> None:
    ds = make_dataset(30)
    am.manual_seed(5)
    first = labels(DataLoader(ds, batch_size=30, shuffle=True))
    am.manual_seed(5)
    assert labels(DataLoader(ds, batch_size=30, shuffle=True)) == first


def test_shuffle_false_ignores_the_generator() -> None:
    loader = DataLoader(make_dataset(5), batch_size=2, seed=3)
    assert labels(loader) == [[0, 1], [2, 3], [4]] == labels(loader)


def test_array_datasets_are_batched_without_a_per_item_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Any, index: Any) -> Any:
        raise AssertionError("DataLoader indexed a TensorDataset item by item")

    monkeypatch.setattr(TensorDataset, "__getitem__", refuse)
    ds = make_dataset(20)
    assert [len(b[1]) for b in DataLoader(ds, batch_size=6, shuffle=True, seed=0)] == [6, 6, 6, 2]
    subset = Subset(ds, [5, 3, 1])
    assert labels(DataLoader(subset, batch_size=2)) == [[5, 3], [1]]
    nested = Subset(subset, [2, 0])
    assert labels(DataLoader(nested, batch_size=5)) == [[1, 5]]


def test_bare_arrays_and_tensors_are_datasets() -> None:
    X = np.arange(10.0, dtype=np.float32).reshape(5, 2)
    batches = list(DataLoader(X, batch_size=2))
    assert [b.shape for b in batches] == [(2, 2), (2, 2), (1, 2)]
    assert isinstance(batches[0], Tensor)
    assert [b.tolist() for b in DataLoader(am.tensor([1, 2, 3]), batch_size=2)] == [[1, 2], [3]]


def test_item_by_item_datasets_use_default_collate() -> None:
    batches = list(DataLoader(Squares(5), batch_size=2))
    assert len(batches) == 3
    x, y = batches[1]
    assert x.tolist() == [[2.0, 4.0], [3.0, 9.0]] and x.dtype == np.float32
    assert y.tolist() == [2, 3] and y.dtype == np.int64


def test_collate_fn_receives_the_list_of_samples() -> None:
    seen: list[int] = []

    def collate(samples: list[Any]) -> list[int]:
        seen.append(len(samples))
        return [int(s[1]) for s in samples]

    out = list(DataLoader(make_dataset(5), batch_size=2, collate_fn=collate))
    assert out == [[0, 1], [2, 3], [4]] and seen == [2, 2, 1]


def test_batch_size_none_yields_single_converted_samples() -> None:
    loader = DataLoader(Squares(3), batch_size=None)
    samples = list(loader)
    assert len(loader) == 3 and len(samples) == 3
    x, y = samples[2]
    assert isinstance(x, Tensor) and x.tolist() == [2.0, 4.0] and y == 2


def test_gradient_flows_through_a_batch_of_a_grad_tensor() -> None:
    w = am.tensor([[1.0], [2.0], [3.0], [4.0]], requires_grad=True)
    (batch,) = next(iter(DataLoader(TensorDataset(w), batch_size=2, shuffle=True, seed=0)))
    upstream = am.tensor([[3.0], [5.0]])
    (batch * upstream).sum().backward()
    assert w.grad is not None
    assert sorted(w.grad.numpy().ravel().tolist()) == [0.0, 0.0, 3.0, 5.0]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"batch_size": 0}, ValueError, "positive integer"),
        ({"batch_size": -2}, ValueError, "positive integer"),
        ({"batch_size": 2.5}, ValueError, "positive integer"),
        ({"batch_size": True}, ValueError, "positive integer"),
        ({"batch_size": None, "drop_last": True}, ValueError, "mutually exclusive"),
        ({"seed": 1, "generator": np.random.default_rng(1)}, ValueError, "either generator or seed"),
        ({"generator": 3}, TypeError, "numpy.random.Generator"),
    ],
)
def test_loader_argument_errors(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        DataLoader(make_dataset(4), **kwargs)


# ------------------------------------------------------------------------------------ Subset, ConcatDataset
def test_subset_and_concat() -> None:
    ds = make_dataset(6)
    sub = Subset(ds, [4, 0])
    assert len(sub) == 2 and sub[0][1].item() == 4 and sub[-1][1].item() == 0
    both = sub + Squares(3)
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert both[1][1].item() == 0 and both[2][1] == 0 and both[4][1] == 2 and both[-1][1] == 2
    with pytest.raises(IndexError):
        both[5]
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])


def test_abstract_dataset_methods() -> None:
    with pytest.raises(NotImplementedError):
        len(Dataset())
    with pytest.raises(NotImplementedError):
        Dataset()[0]


# ------------------------------------------------------------------------------------ random_split
def test_random_split_lengths_partition_the_dataset() -> None:
    parts = random_split(make_dataset(10), [3, 7], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [3, 7]
    seen = sorted(int(i) for p in parts for i in p.indices)
    assert seen == list(range(10))


@pytest.mark.parametrize(
    ("n", "fractions", "expected"),
    [(10, [0.3, 0.3, 0.4], [3, 3, 4]), (11, [0.5, 0.5], [6, 5]), (7, [0.2, 0.2, 0.6], [2, 1, 4]), (3, [1.0], [3])],
)
def test_random_split_fractions(n: int, fractions: list[float], expected: list[int]) -> None:
    parts = random_split(make_dataset(n), fractions, generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == expected


def test_random_split_is_seeded() -> None:
    ds = make_dataset(20)
    a = random_split(ds, [0.5, 0.5], generator=np.random.default_rng(7))
    b = random_split(ds, [0.5, 0.5], generator=np.random.default_rng(7))
    assert all(np.array_equal(p.indices, q.indices) for p, q in zip(a, b))
    am.manual_seed(1)
    c = random_split(ds, [10, 10])
    am.manual_seed(1)
    d = random_split(ds, [10, 10])
    assert np.array_equal(c[0].indices, d[0].indices)


def test_random_split_errors_and_warning() -> None:
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(make_dataset(10), [3, 3])
    with pytest.raises(ValueError, match="non-negative integers or fractions"):
        random_split(make_dataset(10), [0.5, 9.5])
    with pytest.warns(UserWarning, match="Length of split at index 2 is 0"):
        parts = random_split(make_dataset(3), [0.5, 0.5, 0.0])
    assert [len(p) for p in parts] == [2, 1, 0]


# ------------------------------------------------------------------------------------ collation
def test_default_collate_numbers_and_arrays() -> None:
    floats = default_collate([1.0, 2.5])
    assert floats.dtype == np.float64 and floats.tolist() == [1.0, 2.5]
    assert default_collate([1, 2]).dtype == np.int64
    assert default_collate([True, False]).dtype == np.bool_
    arrays = default_collate([np.zeros((2, 3), np.float32), np.ones((2, 3), np.float32)])
    assert arrays.shape == (2, 2, 3) and arrays.dtype == np.float32
    scalars = default_collate([np.float32(1.0), np.float32(2.0)])
    assert scalars.shape == (2,) and scalars.dtype == np.float32
    tensors = default_collate([am.tensor([1.0, 2.0]), am.tensor([3.0, 4.0])])
    assert tensors.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_default_collate_structures() -> None:
    Point = collections.namedtuple("Point", ["x", "label"])
    batch = default_collate([Point(np.zeros(2), 0), Point(np.ones(2), 1)])
    assert isinstance(batch, Point) and batch.x.shape == (2, 2) and batch.label.tolist() == [0, 1]
    pairs = default_collate([(1, "a"), (2, "b")])
    assert isinstance(pairs, list) and pairs[0].tolist() == [1, 2] and pairs[1] == ["a", "b"]
    nested = default_collate([{"x": [1.0, 2.0], "name": "p"}, {"x": [3.0, 4.0], "name": "q"}])
    assert [t.tolist() for t in nested["x"]] == [[1.0, 3.0], [2.0, 4.0]] and nested["name"] == ["p", "q"]


def test_default_collate_errors() -> None:
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_collate_keeps_the_graph_of_grad_tensors() -> None:
    a = am.tensor([1.0, 2.0], requires_grad=True)
    batch = default_collate([a, a * 2])
    (batch * am.tensor([[1.0, 1.0], [3.0, 3.0]])).sum().backward()
    assert a.grad is not None and a.grad.tolist() == [7.0, 7.0]


def test_default_convert() -> None:
    out = default_convert({"a": np.zeros(2), "b": [np.ones(1), 3], "s": np.array(["x"])})
    assert isinstance(out["a"], Tensor) and isinstance(out["b"][0], Tensor) and out["b"][1] == 3
    assert isinstance(out["s"], np.ndarray)


# ------------------------------------------------------------------------------------ PyTorch oracle
@pytest.mark.skipif(not HAS_TORCH, reason="torch not installed")
@pytest.mark.parametrize("n", [0, 7, 16])
@pytest.mark.parametrize(
    ("batch_size", "drop_last"), [(None, False), (1, False), (1, True), (3, False), (3, True), (16, False), (16, True)]
)
def test_len_and_batch_sizes_match_torch(n: int, batch_size: int | None, drop_last: bool) -> None:
    import torch
    import torch.utils.data as tud

    X = np.arange(n, dtype=np.float32)
    ours = DataLoader(TensorDataset(X), batch_size=batch_size, drop_last=drop_last)
    theirs = tud.DataLoader(tud.TensorDataset(torch.from_numpy(X)), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [tuple(b[0].shape) for b in ours] == [tuple(b[0].shape) for b in theirs]


@pytest.mark.skipif(not HAS_TORCH, reason="torch not installed")
@pytest.mark.parametrize("fractions", [[0.3, 0.3, 0.4], [0.5, 0.5], [0.1, 0.2, 0.3, 0.4], [0.33, 0.33, 0.34]])
@pytest.mark.parametrize("n", [7, 10, 101])
def test_random_split_sizes_match_torch(fractions: list[float], n: int) -> None:
    import warnings

    import torch.utils.data as tud

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = [len(p) for p in random_split(make_dataset(n), fractions)]
        theirs = [len(p) for p in tud.random_split(range(n), fractions)]
    assert ours == theirs


@pytest.mark.skipif(not HAS_TORCH, reason="torch not installed")
def test_default_collate_matches_torch() -> None:
    import torch
    from torch.utils.data import default_collate as torch_collate

    samples: list[Any] = [
        [1.5, 2.5],
        [1, 2],
        [True, False],
        [np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32)],
        [np.int32(3), np.int32(4)],
        [(1, 2.0), (3, 4.0)],
    ]
    for batch in samples:
        ours, theirs = default_collate(batch), torch_collate(batch)
        ours_list = ours if isinstance(ours, list) else [ours]
        theirs_list = theirs if isinstance(theirs, list) else [theirs]
        assert len(ours_list) == len(theirs_list)
        for a, b in zip(ours_list, theirs_list):
            assert isinstance(b, torch.Tensor)
            assert a.shape == tuple(b.shape)
            assert str(a.dtype) == str(b.dtype).removeprefix("torch.")
            np.testing.assert_array_equal(a.numpy(), b.numpy())
