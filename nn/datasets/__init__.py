"""Data sets as NumPy arrays: seeded synthetic sets, scikit-learn's digits, MNIST (IDX) and CIFAR-10 (binary).

Wrap them for training with :class:`nn.data.TensorDataset` and :class:`nn.data.DataLoader`.  Downloads
(``download=True``) go to ``root``, else ``$AUTOGRAD_MINI_DATA``, else ``~/.cache/autograd_mini``, and every
downloaded file is checked against a pinned SHA-256.
"""

from ._download import ChecksumError, DatasetFormatError, data_root, download_file, sha256_file
from .cifar import CIFAR10_CLASSES, cifar10, read_cifar_batch
from .digits import digits, digits_split, train_test_split
from .mnist import mnist, read_idx
from .synthetic import circles, cubic, moons, sine, spiral, xor

__all__ = [
    "CIFAR10_CLASSES",
    "ChecksumError",
    "DatasetFormatError",
    "cifar10",
    "circles",
    "cubic",
    "data_root",
    "digits",
    "digits_split",
    "download_file",
    "mnist",
    "moons",
    "read_cifar_batch",
    "read_idx",
    "sha256_file",
    "sine",
    "spiral",
    "train_test_split",
    "xor",
]
