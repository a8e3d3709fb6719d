"""Verified downloads into the data cache: progress bar, pinned SHA-256, atomic writes, safe tar extraction.

A file is streamed into a temporary file in its destination folder while its SHA-256 is computed; only when the
digest matches the pinned one is it renamed into place (``os.replace``, atomic on one file system).  A mismatch, a
network error or an interruption (even KeyboardInterrupt) removes the temporary file, so the cache never holds a
partial or unverified file under its final name.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = ["ChecksumError", "DatasetFormatError", "data_root", "download_file", "extract_members", "sha256_file"]

ENV_VAR = "AUTOGRAD_MINI_DATA"
CHUNK = 1 << 16


class ChecksumError(ValueError):
    """A downloaded file whose SHA-256 is not the pinned one (the file is not kept)."""


class DatasetFormatError(ValueError):
    """A data file that is not in the expected format (bad magic number, wrong sizes, truncated...)."""


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder: ``root`` if given, else ``$AUTOGRAD_MINI_DATA``, else ``~/.cache/autograd_mini``."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "autograd_mini"


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _SimpleBar:
    """A one-line progress bar on stderr for when tqdm is not installed."""

    def __init__(self, total: int | None, desc: str) -> None:
        self.total, self.desc, self.n, self._shown = total, desc, 0, -1

    def update(self, n: int) -> None:
        self.n += n
        if self.total:
            percent = min(100, 100 * self.n // self.total)
            if percent != self._shown:
                self._shown = percent
                bar = "#" * (percent // 4)
                sys.stderr.write(f"\r{self.desc}: [{bar:<25}] {percent:3d}% of {self.total / 1e6:.1f} MB")
        else:
            sys.stderr.write(f"\r{self.desc}: {self.n / 1e6:.1f} MB")

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


def _progress_bar(total: int | None, desc: str, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return _SimpleBar(total, desc)
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, leave=False)


def _fetch_to(url: str, out: IO[bytes], desc: str, size_hint: int | None, progress: bool) -> str:
    """Stream ``url`` into ``out``; returns the hex SHA-256 of what was written."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"refusing to download from a non-HTTP URL: {url!r}")
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=60) as response:
        length = response.headers.get("Content-Length") if getattr(response, "headers", None) else None
        total = int(length) if length and str(length).isdigit() else size_hint
        bar = _progress_bar(total, desc, progress)
        try:
            for chunk in iter(lambda: response.read(CHUNK), b""):
                out.write(chunk)
                digest.update(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
    return digest.hexdigest()


def download_file(
    urls: str | Sequence[str],
    dest: str | os.PathLike[str],
    sha256: str,
    *,
    size_hint: int | None = None,
    progress: bool = True,
) -> Path:
    """Download ``dest`` from the first of ``urls`` that answers, and keep it only if its SHA-256 is ``sha256``.

    A file already at ``dest`` with the right digest is kept as is.  Network errors move on to the next mirror;
    a checksum mismatch raises :class:`ChecksumError` at once.  Nothing is left under ``dest`` unless verified.
    """
    dest = Path(dest)
    if dest.is_file() and sha256_file(dest) == sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    for url in [urls] if isinstance(urls, str) else list(urls):
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    got = _fetch_to(url, out, dest.name, size_hint, progress)
                except (OSError, http.client.HTTPException) as err:  # URLError, HTTPError, resets, timeouts...
                    errors.append(f"{url}: {err}")
                    continue
                out.flush()
                os.fsync(out.fileno())
            if got != sha256:
                raise ChecksumError(
                    f"checksum mismatch for {dest.name} downloaded from {url}: expected SHA-256 {sha256}, got {got}. "
                    "The file was not kept; retry, or download it by hand and check it."
                )
            os.chmod(tmp_name, 0o644)  # mkstemp makes it private; a cache file is readable like any other
            os.replace(tmp_name, dest)
            return dest
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
    raise RuntimeError(f"could not download {dest.name}:\n  " + "\n  ".join(errors))


def extract_members(
    archive: str | os.PathLike[str],
    members: Mapping[str, str | os.PathLike[str]],
    *,
    check: Callable[[str, tarfile.TarInfo], None] | None = None,
) -> list[Path]:
    """Extract only the regular-file members named in ``members`` (``{name in archive: destination}``).

    Nothing else in the archive is written, and destinations come from the caller, never from the archive, so
    names like ``../x`` or absolute paths cannot escape; links and devices are refused.  Each file is written to a
    temporary file and renamed into place.  ``check(name, info)`` may reject a member before it is written.
    Raises :class:`DatasetFormatError` when a member is missing or is not a regular file.
    """
    wanted = dict(members)
    done: list[Path] = []
    try:
        tar = tarfile.open(archive, "r:*")
    except tarfile.TarError as err:
        raise DatasetFormatError(f"{os.fspath(archive)}: not a readable tar archive ({err})") from err
    with tar:
        for info in tar:
            if info.name not in wanted:
                continue
            if not info.isreg():
                raise DatasetFormatError(f"{os.fspath(archive)}: member {info.name!r} is not a regular file")
            if check is not None:
                check(info.name, info)
            source = tar.extractfile(info)
            if source is None:  # pragma: no cover - isreg() members always have data
                raise DatasetFormatError(f"{os.fspath(archive)}: cannot read member {info.name!r}")
            done.append(_atomic_copy(source, Path(wanted.pop(info.name))))
    if wanted:
        raise DatasetFormatError(f"{os.fspath(archive)}: missing members {sorted(wanted)}")
    return done


def _atomic_copy(source: IO[bytes], dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                out.write(chunk)
        os.replace(tmp_name, dest)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return dest
