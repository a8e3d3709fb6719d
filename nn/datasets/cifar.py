"""CIFAR-10 from its *binary* distribution (never the pickled Python one), with an optional verified download.

Binary format (https://www.cs.toronto.edu/~kriz/cifar.html): each of ``data_batch_1.bin`` ... ``data_batch_5.bin``
and ``test_batch.bin`` holds 10,000 records of 3,073 bytes: one label byte (0-9), then 3,072 pixel bytes, the
32 x 32 red plane, then green, then blue, each row-major.  Nothing here unpickles or evaluates anything.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import numpy as np

from ._download import DatasetFormatError, data_root, download_file, extract_members

__all__ = ["CIFAR10_ARCHIVE", "CIFAR10_CLASSES", "CIFAR10_URL", "cifar10", "read_cifar_batch"]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
# SHA-256 and size of cifar-10-binary.tar.gz.  The page above publishes only its MD5
# (c32a1d4ab5d03f1284b67883e8d87530); this SHA-256 is the one pinned by independent projects (the Ruby and Julia
# ports of torchvision's/MLDatasets' CIFAR-10 loaders among them) for that same file.
CIFAR10_ARCHIVE: tuple[str, str, int] = (
    "cifar-10-binary.tar.gz",
    "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
    170_052_171,
)
CIFAR10_FOLDER = "cifar-10-batches-bin"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILES = ("test_batch.bin",)
RECORD = 1 + 3 * 32 * 32


def read_cifar_batch(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """The records of one binary CIFAR-10 batch file: ``(images uint8 (N, 3, 32, 32), labels int64 (N,))``.

    Raises :class:`DatasetFormatError` when the file is empty, is not a whole number of 3,073-byte records, or
    holds a label outside 0-9.
    """
    path = Path(path)
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % RECORD:
        raise DatasetFormatError(
            f"{path}: {raw.size} bytes is not a whole number of {RECORD}-byte CIFAR-10 records (truncated?)"
        )
    records = raw.reshape(-1, RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        bad = int(np.argmax(labels > 9))
        raise DatasetFormatError(f"{path}: record {bad} has label {labels[bad]}, outside 0-9 (not CIFAR-10 binary?)")
    return records[:, 1:].reshape(-1, 3, 32, 32), labels


def _check_member(name: str, info: tarfile.TarInfo) -> None:
    if info.size == 0 or (name.endswith(".bin") and info.size % RECORD):
        raise DatasetFormatError(f"archive member {name!r} has {info.size} bytes, not whole CIFAR-10 records")


def _download(folder: Path) -> None:
    name, sha, size = CIFAR10_ARCHIVE
    archive = download_file(CIFAR10_URL, folder / name, sha, size_hint=size)
    members = {f"{CIFAR10_FOLDER}/{f}": folder / CIFAR10_FOLDER / f for f in (*TRAIN_FILES, *TEST_FILES)}
    extract_members(archive, members, check=_check_member)


def cifar10(
    root: str | os.PathLike[str] | None = None, train: bool = True, download: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10's 50,000 training (``train=True``) or 10,000 test images, as ``(X, y)``.

    ``X``: float32 (N, 3, 32, 32), RGB values scaled to [0, 1]; ``y``: int64 (N,) class indices into
    :data:`CIFAR10_CLASSES`.  Files are read from ``root/cifar-10-batches-bin/`` (the folder inside the binary
    archive); ``root`` defaults to ``$AUTOGRAD_MINI_DATA`` or ``~/.cache/autograd_mini``.  ``download=True``
    fetches ``cifar-10-binary.tar.gz`` when files are missing, checks its pinned SHA-256 and extracts only the
    six batch files.
    """
    folder = data_root(root)
    names = TRAIN_FILES if train else TEST_FILES
    paths = [folder / CIFAR10_FOLDER / name for name in names]
    if download and not all(p.is_file() for p in paths):
        _download(folder)
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f"CIFAR-10 binary files {missing} not found in {folder / CIFAR10_FOLDER}; pass download=True to fetch them"
        )
    parts = [read_cifar_batch(p) for p in paths]
    images = np.concatenate([images for images, _ in parts])
    labels = np.concatenate([labels for _, labels in parts])
    return images.astype(np.float32) / np.float32(255.0), labels
