"""MNIST from its IDX files (gzip-compressed or raw), with an optional verified download.

IDX format (http://yann.lecun.com/exdb/mnist/): a big-endian header ``0x00 0x00 <type code> <ndim>``, then
``ndim`` big-endian uint32 sizes, then the values, row-major.  MNIST's images have magic 2051 (uint8, 3 dims:
N x 28 x 28) and its labels magic 2049 (uint8, 1 dim: N).
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ._download import DatasetFormatError, data_root, download_file

__all__ = ["MIRRORS", "MNIST_FILES", "mnist", "read_idx"]

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # PyTorch's mirror (torchvision's first choice)
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # Google's mirror (TensorFlow Datasets)
)

# SHA-256 and size in bytes of the original gzip files (as published by TensorFlow Datasets' MNIST checksums
# and pinned identically by many independent projects; the files' MD5s match torchvision's pins).
MNIST_FILES: dict[str, tuple[str, int]] = {
    "train-images-idx3-ubyte.gz": ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9_912_422),
    "train-labels-idx1-ubyte.gz": ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28_881),
    "t10k-images-idx3-ubyte.gz": ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1_648_877),
    "t10k-labels-idx1-ubyte.gz": ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4_542),
}

_IDX_TYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
MAX_IDX_BYTES = 1 << 31  # far above MNIST's 47 MB; refuses absurd headers before allocating


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        head = f.read(2)
    if head != b"\x1f\x8b":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as f:
            return f.read(MAX_IDX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise DatasetFormatError(f"{path}: corrupt or truncated gzip file ({err})") from err


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """The array stored in an IDX file (gzip-compressed or raw), in native byte order and its stored shape.

    Raises :class:`DatasetFormatError` on a bad magic number, an unknown type code, or a size that does not
    match the header (truncated or with trailing bytes).
    """
    return _read_idx(Path(path))[1]


def _read_idx(path: Path) -> tuple[int, np.ndarray]:
    """``(magic number, array)`` of an IDX file."""
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DatasetFormatError(f"{path}: not an IDX file (bad magic number {raw[:4].hex() or 'empty'})")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_TYPES:
        raise DatasetFormatError(f"{path}: unknown IDX type code 0x{code:02x}")
    if ndim == 0:
        raise DatasetFormatError(f"{path}: IDX file with zero dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetFormatError(f"{path}: truncated IDX header ({len(raw)} bytes, need {header})")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if expected > MAX_IDX_BYTES:
        raise DatasetFormatError(f"{path}: IDX header declares an implausible size {shape}")
    if len(raw) - header != expected:
        problem = "truncated" if len(raw) - header < expected else "has trailing bytes"
        raise DatasetFormatError(
            f"{path}: {problem}: header says shape {shape} ({expected} data bytes), found {len(raw) - header}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return int.from_bytes(raw[:4], "big"), data.astype(dtype.newbyteorder("="))


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def mnist(
    root: str | os.PathLike[str] | None = None, train: bool = True, download: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's 60,000 training (``train=True``) or 10,000 test images, as ``(X, y)``.

    ``X``: float32 (N, 1, 28, 28), pixel values scaled to [0, 1]; ``y``: int64 (N,) digits 0-9.
    Files are looked for in ``root/mnist`` (raw ``train-images-idx3-ubyte`` or its ``.gz``); ``root`` defaults
    to ``$AUTOGRAD_MINI_DATA`` or ``~/.cache/autograd_mini``.  ``download=True`` fetches missing files from the
    mirrors, verifying each file's pinned SHA-256.
    """
    folder = data_root(root) / "mnist"
    prefix = "train" if train else "t10k"
    stems = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
    paths = [_find(folder, stem) for stem in stems]
    if download:
        for i, stem in enumerate(stems):
            if paths[i] is None:
                sha, size = MNIST_FILES[stem + ".gz"]
                urls = [mirror + stem + ".gz" for mirror in MIRRORS]
                paths[i] = download_file(urls, folder / (stem + ".gz"), sha, size_hint=size)
    images_path, labels_path = paths
    if images_path is None or labels_path is None:
        missing = [stem for stem, p in zip(stems, paths) if p is None]
        raise FileNotFoundError(
            f"MNIST files {missing} (raw or .gz) not found in {folder}; pass download=True to fetch them"
        )
    arrays = []
    for path, expected in ((images_path, IMAGES_MAGIC), (labels_path, LABELS_MAGIC)):
        magic, array = _read_idx(path)
        if magic != expected:
            raise DatasetFormatError(f"{path}: magic number {magic}, expected {expected} for this MNIST file")
        arrays.append(array)
    images, labels = arrays
    if images.shape[1:] != (28, 28):
        raise DatasetFormatError(f"{images_path}: images of shape {images.shape[1:]}, expected (28, 28)")
    if len(images) != len(labels):
        raise DatasetFormatError(f"MNIST: {len(images)} images but {len(labels)} labels in {folder}")
    if labels.size and labels.max() > 9:
        raise DatasetFormatError(f"{labels_path}: label {int(labels.max())} out of range 0-9")
    X = (images.astype(np.float32) / np.float32(255.0))[:, None]
    return X, labels.astype(np.int64)
