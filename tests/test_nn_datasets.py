"""nn.datasets: synthetic sets, digits, and the MNIST (IDX) and CIFAR-10 (binary) readers on tiny files built here."""

from __future__ import annotations

import ast
import gzip
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import datasets
from nn.datasets import DatasetFormatError, cifar10, mnist, read_cifar_batch, read_idx

DATASETS_DIR = Path(nn.__file__).parent / "datasets"
IDX_CODES = {np.dtype("u1"): 0x08, np.dtype("i1"): 0x09, np.dtype(">i2"): 0x0B, np.dtype(">i4"): 0x0C}


# ------------------------------------------------------------------------------------ file builders
def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file holding ``array`` (uint8, int8, int16 or int32)."""
    dtype = array.dtype if array.dtype.itemsize == 1 else array.dtype.newbyteorder(">")
    header = bytes([0, 0, IDX_CODES[dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(dtype).tobytes()


def mnist_arrays(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


def write_mnist(folder: Path, prefix: str, images: np.ndarray, labels: np.ndarray, gz: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, array in ((f"{prefix}-images-idx3-ubyte", images), (f"{prefix}-labels-idx1-ubyte", labels)):
        data = idx_bytes(array)
        if gz:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / stem).write_bytes(data)


def cifar_records(n: int, seed: int = 0) -> tuple[bytes, np.ndarray, np.ndarray]:
    """``n`` CIFAR-10 binary records and the images (N, 3, 32, 32) and labels they hold."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    raw = np.concatenate([labels[:, None], images.reshape(n, -1)], axis=1).tobytes()
    return raw, images, labels.astype(np.int64)


# ------------------------------------------------------------------------------------ synthetic
SYNTHETIC = [datasets.xor, datasets.spiral, datasets.moons, datasets.circles, datasets.cubic, datasets.sine]


@pytest.mark.parametrize("make", SYNTHETIC)
def test_synthetic_sets_are_seeded_float32(make: object) -> None:
    X, y = make()  # type: ignore[operator]
    X2, y2 = make()  # type: ignore[operator]
    X3, _ = make(seed=1)  # type: ignore[operator]
    assert X.dtype == np.float32 and X.ndim == 2 and len(X) == len(y)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, X3)
    assert y.dtype == (np.float32 if make in (datasets.cubic, datasets.sine) else np.int64)


def test_xor() -> None:
    X, y = datasets.xor(n_samples=4, noise=0.0, shuffle=False)
    assert X.tolist() == [[-1, -1], [-1, 1], [1, -1], [1, 1]] and y.tolist() == [0, 1, 1, 0]
    X, y = datasets.xor(n_samples=400, noise=0.1)
    assert X.shape == (400, 2) and np.bincount(y).tolist() == [200, 200]
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(np.int64))


def test_spiral_matches_the_cs231n_loop() -> None:
    n, k = 50, 3
    X, y = datasets.spiral(n_per_class=n, n_classes=k, noise=0.2, seed=3)
    rng = np.random.default_rng(3)
    noise = 0.2 * rng.standard_normal((k, n))
    X_ref, y_ref = np.zeros((n * k, 2)), np.zeros(n * k, dtype=np.int64)
    for j in range(k):  # the reference, as written in CS231n's notes
        ix = range(n * j, n * (j + 1))
        r = np.linspace(0.0, 1, n)
        t = np.linspace(j * 4, (j + 1) * 4, n) + noise[j]
        X_ref[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y_ref[ix] = j
    np.testing.assert_allclose(X, X_ref, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(y, y_ref)
    X5, y5 = datasets.spiral(n_per_class=10, n_classes=5, noise=0.0, shuffle=True)
    assert X5.shape == (50, 2) and np.bincount(y5).tolist() == [10] * 5


def test_moons_and_circles_match_scikit_learn_without_noise() -> None:
    sk = pytest.importorskip("sklearn.datasets")
    X, y = datasets.moons(n_samples=101, noise=0.0, shuffle=False)
    X_sk, y_sk = sk.make_moons(n_samples=101, noise=None, shuffle=False)
    np.testing.assert_allclose(X, X_sk, atol=1e-6)
    np.testing.assert_array_equal(y, y_sk)
    X, y = datasets.circles(n_samples=101, noise=0.0, factor=0.3, shuffle=False)
    X_sk, y_sk = sk.make_circles(n_samples=101, noise=None, factor=0.3, shuffle=False)
    np.testing.assert_allclose(X, X_sk, atol=1e-6)
    np.testing.assert_array_equal(y, y_sk)
    with pytest.raises(ValueError, match="factor"):
        datasets.circles(factor=1.5)


@pytest.mark.parametrize(
    ("make", "f"), [(datasets.cubic, lambda x: x**3 - 3 * x**2 + 5 * x - 7), (datasets.sine, np.sin)]
)
def test_regression_curves(make: object, f: object) -> None:
    x, y = make(n_samples=64)  # type: ignore[operator]
    assert x.shape == y.shape == (64, 1) and np.all(np.diff(x[:, 0]) >= 0)
    np.testing.assert_allclose(y, f(x.astype(np.float64)), rtol=1e-5, atol=1e-5)  # type: ignore[operator]
    _, noisy = make(n_samples=64, noise=0.5)  # type: ignore[operator]
    assert 0.3 < float(np.std(noisy - y)) < 0.7


def test_cubic_least_squares_recovers_the_coefficients() -> None:
    x, y = datasets.cubic(n_samples=200, low=-2.0, high=4.0)
    features = np.concatenate([x**3, x**2, x, np.ones_like(x)], axis=1).astype(np.float64)
    coef, *_ = np.linalg.lstsq(features, y[:, 0].astype(np.float64), rcond=None)
    np.testing.assert_allclose(coef, [1, -3, 5, -7], atol=1e-3)


# ------------------------------------------------------------------------------------ digits
def test_digits() -> None:
    pytest.importorskip("sklearn")
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0 and set(y.tolist()) == set(range(10))
    images, _ = datasets.digits(images=True)
    assert images.shape == (1797, 1, 8, 8)
    np.testing.assert_array_equal(images.reshape(1797, 64), X)


def test_digits_split_is_stratified_disjoint_and_seeded() -> None:
    pytest.importorskip("sklearn")
    X_tr, _, X_te, y_te = datasets.digits_split(test_size=0.2, seed=0)
    assert (len(X_tr), len(X_te)) == (1438, 359)
    _, y = datasets.digits()
    share = np.bincount(y_te) / np.bincount(y)
    assert np.all(np.abs(share - 0.2) < 0.02)
    again = datasets.digits_split(test_size=0.2, seed=0)
    np.testing.assert_array_equal(again[3], y_te)
    assert not np.array_equal(datasets.digits_split(test_size=0.2, seed=1)[3], y_te)


def test_train_test_split_partitions_rows() -> None:
    X = np.arange(40).reshape(20, 2)
    y = np.repeat([0, 1], [15, 5])
    for stratify in (True, False):
        X_tr, _, X_te, y_te = datasets.train_test_split(X, y, test_size=0.25, seed=0, stratify=stratify)
        assert len(X_te) == 5 and len(X_tr) == 15
        rows = sorted(X_tr[:, 0].tolist() + X_te[:, 0].tolist())
        assert rows == list(range(0, 40, 2))
        np.testing.assert_array_equal(y_te, y[X_te[:, 0] // 2])
    assert np.bincount(datasets.train_test_split(X, y, test_size=4, seed=0)[3]).tolist() == [3, 1]
    with pytest.raises(ValueError, match="test_size"):
        datasets.train_test_split(X, y, test_size=0)


def test_digits_without_scikit_learn_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install scikit-learn.*autograd-mini\[data\]"):
        datasets.digits()


# ------------------------------------------------------------------------------------ IDX / MNIST
@pytest.mark.parametrize("dtype", ["u1", "i1", ">i2", ">i4"])
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip(tmp_path: Path, dtype: str, gz: bool) -> None:
    array = np.arange(-12, 12).reshape(2, 3, 4).astype(dtype) if dtype != "u1" else np.arange(24, dtype="u1")
    data = idx_bytes(array)
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    path.write_bytes(gzip.compress(data) if gz else data)
    out = read_idx(path)
    assert out.dtype.isnative and out.shape == array.shape
    np.testing.assert_array_equal(out, array)


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("train", [True, False])
def test_mnist_reads_tiny_files(tmp_path: Path, gz: bool, train: bool) -> None:
    images, labels = mnist_arrays(5)
    write_mnist(tmp_path / "mnist", "train" if train else "t10k", images, labels, gz)
    X, y = mnist(tmp_path, train=train)
    assert X.shape == (5, 1, 28, 28) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(X[:, 0] * 255, images, atol=1e-4)
    np.testing.assert_array_equal(y, labels)
    with pytest.raises(FileNotFoundError, match="download=True"):
        mnist(tmp_path, train=not train)


def test_mnist_root_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    images, labels = mnist_arrays(2)
    write_mnist(tmp_path / "mnist", "t10k", images, labels, gz=True)
    monkeypatch.setenv("AUTOGRAD_MINI_DATA", str(tmp_path))
    assert datasets.data_root() == tmp_path
    np.testing.assert_array_equal(mnist(train=False)[1], labels)
    monkeypatch.delenv("AUTOGRAD_MINI_DATA")
    assert datasets.data_root() == Path.home() / ".cache" / "autograd_mini"


def idx_case(name: str) -> tuple[bytes, str]:
    """Malformed IDX contents and the error they should raise."""
    good = idx_bytes(np.zeros((2, 28, 28), np.uint8))
    cases = {
        "empty": (b"", "bad magic"),
        "bad_magic": (b"\x01\x02" + good[2:], "bad magic"),
        "bad_type": (good[:2] + b"\x07" + good[3:], "unknown IDX type"),
        "zero_dims": (b"\x00\x00\x08\x00", "zero dimensions"),
        "short_header": (good[:9], "truncated IDX header"),
        "truncated": (good[:-1], "truncated"),
        "trailing": (good + b"\x00", "trailing bytes"),
        "huge": (b"\x00\x00\x08\x03" + struct.pack(">3I", 2**31, 28, 28), "implausible"),
    }
    return cases[name]


@pytest.mark.parametrize(
    "case", ["empty", "bad_magic", "bad_type", "zero_dims", "short_header", "truncated", "trailing", "huge"]
)
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_rejects_malformed_files(tmp_path: Path, case: str, gz: bool) -> None:
    data, message = idx_case(case)
    path = tmp_path / "bad.idx"
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(DatasetFormatError, match=message):
        read_idx(path)


def test_read_idx_rejects_a_truncated_gzip_stream(tmp_path: Path) -> None:
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((3, 28, 28), np.uint8)))[:-12])
    with pytest.raises(DatasetFormatError, match="corrupt or truncated gzip"):
        read_idx(path)


def test_mnist_validates_magic_numbers_shapes_and_counts(tmp_path: Path) -> None:
    images, labels = mnist_arrays(3)
    folder = tmp_path / "mnist"
    write_mnist(folder, "train", labels, labels, gz=False)  # labels where the images belong
    with pytest.raises(DatasetFormatError, match="magic number 2049, expected 2051"):
        mnist(tmp_path)
    write_mnist(folder, "train", images[:, :14], labels, gz=False)
    with pytest.raises(DatasetFormatError, match=r"expected \(28, 28\)"):
        mnist(tmp_path)
    write_mnist(folder, "train", images, labels[:2], gz=False)
    with pytest.raises(DatasetFormatError, match="3 images but 2 labels"):
        mnist(tmp_path)
    write_mnist(folder, "train", images, np.array([1, 2, 10], np.uint8), gz=False)
    with pytest.raises(DatasetFormatError, match="label 10 out of range"):
        mnist(tmp_path)


# ------------------------------------------------------------------------------------ CIFAR-10 binary
def write_cifar(folder: Path, files: dict[str, bytes]) -> None:
    (folder / "cifar-10-batches-bin").mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / "cifar-10-batches-bin" / name).write_bytes(data)


def test_read_cifar_batch(tmp_path: Path) -> None:
    raw, images, labels = cifar_records(4)
    (tmp_path / "b.bin").write_bytes(raw)
    got_images, got_labels = read_cifar_batch(tmp_path / "b.bin")
    assert got_images.shape == (4, 3, 32, 32) and got_images.dtype == np.uint8
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    # the layout is label, then the red, green and blue planes, each row-major
    assert raw[1] == images[0, 0, 0, 0] and raw[1 + 1024 + 33] == images[0, 1, 1, 1]


def test_cifar10_train_and_test(tmp_path: Path) -> None:
    batches = {f"data_batch_{i}.bin": cifar_records(2, seed=i) for i in range(1, 6)}
    test = cifar_records(3, seed=9)
    write_cifar(tmp_path, {name: raw for name, (raw, _, _) in batches.items()} | {"test_batch.bin": test[0]})
    X, y = cifar10(tmp_path, train=True)
    assert X.shape == (10, 3, 32, 32) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(X * 255, np.concatenate([b[1] for b in batches.values()]), atol=1e-4)
    np.testing.assert_array_equal(y, np.concatenate([b[2] for b in batches.values()]))
    X_test, y_test = cifar10(tmp_path, train=False)
    assert X_test.shape == (3, 3, 32, 32) and X_test.min() >= 0 and X_test.max() <= 1
    np.testing.assert_array_equal(y_test, test[2])


def test_cifar10_missing_files(tmp_path: Path) -> None:
    write_cifar(tmp_path, {"data_batch_1.bin": cifar_records(1)[0]})
    with pytest.raises(FileNotFoundError, match=r"data_batch_2\.bin.*download=True"):
        cifar10(tmp_path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a whole number"),
        (cifar_records(2)[0][:-1], "not a whole number"),
        (cifar_records(2)[0] + b"\x00", "not a whole number"),
        (b"\x0a" + cifar_records(1)[0][1:], "label 10, outside 0-9"),
    ],
)
def test_read_cifar_batch_rejects_malformed_files(tmp_path: Path, data: bytes, message: str) -> None:
    (tmp_path / "bad.bin").write_bytes(data)
    with pytest.raises(DatasetFormatError, match=message):
        read_cifar_batch(tmp_path / "bad.bin")


def test_loaders_never_unpickle_or_evaluate() -> None:
    forbidden = {"pickle", "cPickle", "dill", "joblib", "marshal", "shelve"}
    for path in DATASETS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & forbidden, path
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] not in forbidden, path
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec"}, path
            elif isinstance(node, ast.Attribute):
                assert node.attr not in {"extractall", "extract", "load", "loads"}, (path, node.attr)
