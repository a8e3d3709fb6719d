"""Downloads without the network: a fake ``urllib.request.urlopen`` serves tiny files built in the real formats.

Checks the pinned-checksum verification, atomic writes (nothing under the final name until verified; nothing left
after a mismatch or an interrupted transfer), mirror fallback, the progress bar, and safe tar extraction.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import io
import re
import sys
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_nn_datasets import cifar_records, idx_bytes, mnist_arrays

from nn.datasets import ChecksumError, DatasetFormatError, cifar10, download_file, mnist

# the modules themselves (``nn.datasets.mnist`` is the function, as ``torchvision.datasets.MNIST`` is the class)
mnist_module = importlib.import_module("nn.datasets.mnist")
cifar_module = importlib.import_module("nn.datasets.cifar")

REAL_MNIST_FILES = dict(mnist_module.MNIST_FILES)
REAL_CIFAR_ARCHIVE = cifar_module.CIFAR10_ARCHIVE


class FakeResponse:
    """What urlopen returns: ``read(n)`` hands out at most ``piece`` bytes; ``fail_at`` raises mid-transfer."""

    def __init__(self, data: bytes, piece: int = 97, fail_at: int | None = None, error: BaseException | None = None):
        self.data, self.pos, self.piece, self.fail_at, self.error = data, 0, piece, fail_at, error
        self.headers = {"Content-Length": str(len(data))}
        self.on_read: Callable[[], None] | None = None

    def read(self, n: int = -1) -> bytes:
        if self.on_read is not None:
            self.on_read()
        if self.fail_at is not None and self.pos >= self.fail_at:
            assert self.error is not None
            raise self.error
        size = self.piece if n < 0 else min(n, self.piece)
        chunk = self.data[self.pos : self.pos + size]
        self.pos += len(chunk)
        return chunk

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class FakeServer:
    """Serves ``files`` ({url: bytes}); other URLs fail like an unreachable host.  Records every request."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, files: dict[str, bytes], **response: Any) -> None:
        self.files, self.response = files, response
        self.requests: list[str] = []
        self.on_read: Callable[[], None] | None = None
        monkeypatch.setattr(urllib.request, "urlopen", self.urlopen)

    def urlopen(self, url: str, timeout: float | None = None) -> FakeResponse:
        self.requests.append(url)
        if url not in self.files:
            raise urllib.error.URLError(f"fake network: no route to {url}")
        response = FakeResponse(self.files[url], **self.response)
        response.on_read = self.on_read
        return response


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def mnist_gz_files(train: bool = True, n: int = 4) -> tuple[dict[str, bytes], np.ndarray, np.ndarray]:
    prefix = "train" if train else "t10k"
    images, labels = mnist_arrays(n)
    files = {
        f"{prefix}-images-idx3-ubyte.gz": gzip.compress(idx_bytes(images)),
        f"{prefix}-labels-idx1-ubyte.gz": gzip.compress(idx_bytes(labels)),
    }
    return files, images, labels


def pin_mnist(monkeypatch: pytest.MonkeyPatch, files: dict[str, bytes]) -> None:
    """Pin the tiny files' own digests, as the real ones are pinned for the real files."""
    for name, data in files.items():
        monkeypatch.setitem(mnist_module.MNIST_FILES, name, (sha256(data), len(data)))


# ------------------------------------------------------------------------------------ the pinned values
def test_pinned_checksums_are_well_formed() -> None:
    assert set(REAL_MNIST_FILES) == {
        f"{p}-{k}-idx{d}-ubyte.gz" for p in ("train", "t10k") for k, d in (("images", 3), ("labels", 1))
    }
    digests = [sha for sha, _ in REAL_MNIST_FILES.values()] + [REAL_CIFAR_ARCHIVE[1]]
    assert all(re.fullmatch("[0-9a-f]{64}", d) for d in digests) and len(set(digests)) == 5
    assert all(m.startswith("https://") and m.endswith("/") for m in mnist_module.MIRRORS)
    assert cifar_module.CIFAR10_URL == "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    assert REAL_CIFAR_ARCHIVE[0] == "cifar-10-binary.tar.gz"


# ------------------------------------------------------------------------------------ MNIST downloads
@pytest.mark.parametrize("train", [True, False])
def test_mnist_download_verifies_and_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, train: bool) -> None:
    files, images, labels = mnist_gz_files(train)
    pin_mnist(monkeypatch, files)
    server = FakeServer(monkeypatch, {mnist_module.MIRRORS[0] + name: data for name, data in files.items()})
    X, y = mnist(tmp_path, train=train, download=True)
    np.testing.assert_allclose(X[:, 0] * 255, images, atol=1e-4)
    np.testing.assert_array_equal(y, labels)
    assert files_under(tmp_path) == sorted(f"mnist/{name}" for name in files)
    assert len(server.requests) == 2
    mnist(tmp_path, train=train, download=True)  # already there: no new request
    assert len(server.requests) == 2


def test_nothing_is_under_the_final_name_while_downloading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files, _, _ = mnist_gz_files()
    pin_mnist(monkeypatch, files)
    server = FakeServer(monkeypatch, {mnist_module.MIRRORS[0] + name: data for name, data in files.items()})
    seen: list[list[str]] = []
    server.on_read = lambda: seen.append(files_under(tmp_path))
    mnist(tmp_path, download=True)
    assert len(seen) > 4
    finished = [sum(name.endswith(".gz") for name in listing) for listing in seen]
    assert finished[0] == 0 and finished[-1] == 1 and finished == sorted(finished)  # images, then labels
    for listing in seen:
        partial = [name for name in listing if name.endswith(".part")]
        assert len(partial) == 1 and partial[0].startswith("mnist/.")  # a hidden temporary file beside the target
    assert files_under(tmp_path) == sorted(f"mnist/{name}" for name in files)


def test_mnist_falls_back_to_the_next_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files, _, labels = mnist_gz_files(train=False)
    pin_mnist(monkeypatch, files)
    server = FakeServer(monkeypatch, {mnist_module.MIRRORS[1] + name: data for name, data in files.items()})
    _, y = mnist(tmp_path, train=False, download=True)
    np.testing.assert_array_equal(y, labels)
    assert [url.startswith(mnist_module.MIRRORS[0]) for url in server.requests] == [True, False, True, False]


def test_all_mirrors_failing_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    FakeServer(monkeypatch, {})
    with pytest.raises(RuntimeError, match=r"could not download train-images-idx3-ubyte\.gz(.|\n)*no route"):
        mnist(tmp_path, download=True)
    assert files_under(tmp_path) == []


def test_checksum_mismatch_keeps_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files, _, _ = mnist_gz_files()  # tiny files against the real pins: a mismatch
    FakeServer(monkeypatch, {mnist_module.MIRRORS[0] + name: data for name, data in files.items()})
    expected = REAL_MNIST_FILES["train-images-idx3-ubyte.gz"][0]
    got = sha256(files["train-images-idx3-ubyte.gz"])
    with pytest.raises(ChecksumError, match=f"train-images-idx3-ubyte.gz.*expected SHA-256 {expected}, got {got}"):
        mnist(tmp_path, download=True)
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (ConnectionResetError("connection reset by peer"), RuntimeError),
        (TimeoutError("read timed out"), RuntimeError),
        (KeyboardInterrupt(), KeyboardInterrupt),
    ],
)
def test_interrupted_download_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException, raised: type[BaseException]
) -> None:
    files, _, _ = mnist_gz_files()
    pin_mnist(monkeypatch, files)
    server = FakeServer(
        monkeypatch,
        {mnist_module.MIRRORS[0] + name: data for name, data in files.items()},
        fail_at=200,
        error=error,
    )
    with pytest.raises(raised):
        mnist(tmp_path, download=True)
    assert server.requests  # it did start
    assert files_under(tmp_path) == []


def test_download_file_keeps_a_verified_file_and_replaces_a_bad_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"payload " * 100
    dest = tmp_path / "sub" / "f.bin"
    server = FakeServer(monkeypatch, {"https://example.invalid/f.bin": data})
    assert download_file("https://example.invalid/f.bin", dest, sha256(data), progress=False) == dest
    assert dest.read_bytes() == data and len(server.requests) == 1
    assert dest.stat().st_mode & 0o777 == 0o644
    download_file("https://example.invalid/f.bin", dest, sha256(data), progress=False)
    assert len(server.requests) == 1  # verified already: not fetched again
    dest.write_bytes(b"corrupted")
    download_file("https://example.invalid/f.bin", dest, sha256(data), progress=False)
    assert dest.read_bytes() == data and len(server.requests) == 2
    assert files_under(tmp_path) == ["sub/f.bin"]


def test_download_file_refuses_non_http_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    FakeServer(monkeypatch, {})
    with pytest.raises(ValueError, match="non-HTTP"):
        download_file("file:///etc/passwd", tmp_path / "x", "0" * 64, progress=False)
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("with_length", [True, False])
def test_simple_progress_bar_without_tqdm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], with_length: bool
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm -> ImportError
    data = bytes(range(256)) * 40
    server = FakeServer(monkeypatch, {"https://example.invalid/d": data}, piece=1000)
    if not with_length:
        original = server.urlopen

        def no_length(url: str, timeout: float | None = None) -> FakeResponse:
            response = original(url, timeout)
            response.headers = {}
            return response

        monkeypatch.setattr(urllib.request, "urlopen", no_length)
    download_file("https://example.invalid/d", tmp_path / "d", sha256(data), size_hint=None)
    err = capsys.readouterr().err
    assert "100%" in err if with_length else "MB" in err
    assert err.endswith("\n")


def test_tqdm_progress_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    data = b"x" * 5000
    FakeServer(monkeypatch, {"https://example.invalid/t": data}, piece=1000)
    download_file("https://example.invalid/t", tmp_path / "t", sha256(data))
    assert "t:" in capsys.readouterr().err


# ------------------------------------------------------------------------------------ CIFAR-10 downloads
def tar_gz(members: list[tuple[str, bytes | None, str | None]]) -> bytes:
    """A .tar.gz of ``(name, data, link target)`` members (data None with a target: a symlink)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data, target in members:
            info = tarfile.TarInfo(name)
            if target is not None:
                info.type, info.linkname = tarfile.SYMTYPE, target
                tar.addfile(info)
            else:
                assert data is not None
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def cifar_members() -> tuple[list[tuple[str, bytes | None, str | None]], dict[str, tuple[np.ndarray, np.ndarray]]]:
    members: list[tuple[str, bytes | None, str | None]] = []
    contents = {}
    for i, name in enumerate([*(f"data_batch_{k}.bin" for k in range(1, 6)), "test_batch.bin"]):
        raw, images, labels = cifar_records(2, seed=i)
        members.append((f"cifar-10-batches-bin/{name}", raw, None))
        contents[name] = (images, labels)
    members.append(("cifar-10-batches-bin/batches.meta.txt", b"airplane\nautomobile\n", None))
    members.append(("cifar-10-batches-bin/readme.html", b"<html></html>", None))
    return members, contents


def serve_cifar(monkeypatch: pytest.MonkeyPatch, archive: bytes, pin: bool = True) -> FakeServer:
    if pin:
        monkeypatch.setattr(cifar_module, "CIFAR10_ARCHIVE", ("cifar-10-binary.tar.gz", sha256(archive), len(archive)))
    return FakeServer(monkeypatch, {cifar_module.CIFAR10_URL: archive})


def test_cifar10_download_extracts_only_the_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members, contents = cifar_members()
    root = tmp_path / "cache"
    server = serve_cifar(monkeypatch, tar_gz(members))
    X, y = cifar10(root, train=True, download=True)
    np.testing.assert_array_equal(y, np.concatenate([contents[f"data_batch_{k}.bin"][1] for k in range(1, 6)]))
    np.testing.assert_allclose(X[:2] * 255, contents["data_batch_1.bin"][0], atol=1e-4)
    _, y_test = cifar10(root, train=False, download=True)
    np.testing.assert_array_equal(y_test, contents["test_batch.bin"][1])
    assert len(server.requests) == 1  # the test split came from the same archive
    expected = ["cifar-10-binary.tar.gz"] + [f"cifar-10-batches-bin/{name}" for name in contents]
    assert files_under(root) == sorted(expected)


def test_cifar10_tar_path_traversal_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members, _ = cifar_members()
    evil = [
        ("../escaped.bin", b"x", None),
        ("/tmp/absolute_autograd_mini_test.bin", b"x", None),
        ("cifar-10-batches-bin/../../escaped2.bin", b"x", None),
        ("cifar-10-batches-bin/data_batch_1.bin/../../../escaped3.bin", b"x", None),
        ("cifar-10-batches-bin/link", None, "/etc/passwd"),
    ]
    root = tmp_path / "a" / "cache"
    serve_cifar(monkeypatch, tar_gz(evil + members))
    cifar10(root, train=False, download=True)
    assert files_under(tmp_path) == sorted(
        ["a/cache/cifar-10-binary.tar.gz"] + [f"a/cache/{name}" for name, _, _ in members if name.endswith(".bin")]
    )
    assert not Path("/tmp/absolute_autograd_mini_test.bin").exists()


def test_cifar10_refuses_a_link_in_place_of_a_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members, _ = cifar_members()
    members = [(n, None, "/etc/passwd") if n.endswith("test_batch.bin") else (n, d, t) for n, d, t in members]
    serve_cifar(monkeypatch, tar_gz(members))
    with pytest.raises(DatasetFormatError, match=r"test_batch\.bin' is not a regular file"):
        cifar10(tmp_path, train=False, download=True)
    assert not (tmp_path / "cifar-10-batches-bin" / "test_batch.bin").exists()


def test_cifar10_archive_missing_a_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members, _ = cifar_members()
    serve_cifar(monkeypatch, tar_gz([m for m in members if "data_batch_3" not in m[0]]))
    with pytest.raises(DatasetFormatError, match=r"missing members \['cifar-10-batches-bin/data_batch_3.bin'\]"):
        cifar10(tmp_path, download=True)


def test_cifar10_archive_member_of_the_wrong_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members, _ = cifar_members()
    members = [(n, d + b"\x00" if n.endswith("data_batch_2.bin") and d else d, t) for n, d, t in members]
    serve_cifar(monkeypatch, tar_gz(members))
    with pytest.raises(DatasetFormatError, match=r"data_batch_2\.bin' has 6147 bytes"):
        cifar10(tmp_path, download=True)
    assert not (tmp_path / "cifar-10-batches-bin" / "data_batch_2.bin").exists()


def test_cifar10_checksum_mismatch_keeps_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members, _ = cifar_members()
    serve_cifar(monkeypatch, tar_gz(members), pin=False)  # the real pin: a mismatch
    with pytest.raises(ChecksumError, match=f"cifar-10-binary.tar.gz.*expected SHA-256 {REAL_CIFAR_ARCHIVE[1]}"):
        cifar10(tmp_path, download=True)
    assert files_under(tmp_path) == []


def test_cifar10_archive_that_is_not_a_tar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serve_cifar(monkeypatch, gzip.compress(b"not a tar archive at all" * 50))
    with pytest.raises(DatasetFormatError, match="not a readable tar archive"):
        cifar10(tmp_path, download=True)
