"""``save`` and ``load``: safetensors files, written and read by a strict reader of our own (never pickle).

The format (https://huggingface.co/docs/safetensors): 8 bytes little-endian header length N, N
bytes of JSON ``{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
"__metadata__": {str: str}}``, then the raw little-endian tensor bytes; offsets are relative to
the byte buffer after the header and must cover it exactly, without holes or overlaps.

A flat ``{name: Tensor}`` (a module's state_dict) is stored as plain safetensors, readable by the
``safetensors`` package and PyTorch.  Any other structure (an optimizer's or scheduler's
state_dict, a checkpoint dict mixing them with numbers) is stored with its tensors under dotted
keys (``state.0.exp_avg``) and the rest of the structure as JSON in ``__metadata__``; ``load``
rebuilds it.  Every problem with a file raises :class:`SafetensorsError` (a ValueError) naming the
file and the problem.
"""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
from collections.abc import Mapping
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

__all__ = ["SafetensorsError", "load", "load_metadata", "save"]

MAX_HEADER_SIZE = 100_000_000  # the safetensors library's own limit
STRUCTURE_KEY = "autograd_mini.structure"

_DTYPES: dict[str, np.dtype[Any]] = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"),
    "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
    "BF16": np.dtype("<u2"),  # read as raw bits, widened to float32
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in _DTYPES.items() if code != "BF16"}


class SafetensorsError(ValueError):
    """A file that is not a valid safetensors file (or an object that cannot be stored in one)."""


PathLike = str | os.PathLike[str]


# ----------------------------------------------------------------------------------------- saving
def save(obj: Any, path: PathLike, metadata: Mapping[str, str] | None = None) -> None:
    """Write ``obj`` to ``path`` as safetensors, atomically (a temporary file, then ``os.replace``).

    ``obj``: ``{name: Tensor | ndarray}`` (a state_dict; stored as plain safetensors), or any nest
    of dicts (str or int keys), lists, tuples, numbers, strings, None and tensors (e.g. an
    optimizer's state_dict).  ``metadata``: extra ``str -> str`` pairs for ``__metadata__``.
    """
    tensors: dict[str, np.ndarray] = {}
    extra = dict(metadata or {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in extra.items()):
        raise SafetensorsError(f"{os.fspath(path)}: metadata must map str to str")
    if STRUCTURE_KEY in extra:
        raise SafetensorsError(f"{os.fspath(path)}: metadata key {STRUCTURE_KEY!r} is reserved")
    if _is_flat(obj):
        for name, value in obj.items():
            tensors[name] = _array(value)
    else:
        extra[STRUCTURE_KEY] = json.dumps(_encode(obj, "", tensors), separators=(",", ":"), allow_nan=False)
    _write(os.fspath(path), tensors, extra)


def _is_flat(obj: Any) -> bool:
    return isinstance(obj, Mapping) and all(
        isinstance(k, str) and k != "__metadata__" and isinstance(v, (Tensor, np.ndarray)) for k, v in obj.items()
    )


def _array(value: Tensor | np.ndarray) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _encode(obj: Any, prefix: str, tensors: dict[str, np.ndarray]) -> Any:
    """JSON for ``obj``, moving its tensors into ``tensors`` under dotted keys."""
    if isinstance(obj, (Tensor, np.ndarray)):
        key = prefix or "tensor"
        if key in tensors or key == "__metadata__":
            raise SafetensorsError(f"two tensors of the object to save would both be stored as {key!r}")
        tensors[key] = _array(obj)
        return {"__tensor__": key}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"__float__": repr(obj)}
    if isinstance(obj, (list, tuple)):
        items = [_encode(value, f"{prefix}.{i}" if prefix else str(i), tensors) for i, value in enumerate(obj)]
        return items if isinstance(obj, list) else {"__tuple__": items}
    if isinstance(obj, Mapping):
        pairs = []
        for key, value in obj.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise SafetensorsError(f"cannot save a dict key of type {type(key).__name__} ({key!r})")
            pairs.append([key, _encode(value, f"{prefix}.{key}" if prefix else str(key), tensors)])
        return {"__dict__": pairs}
    raise SafetensorsError(
        f"cannot save an object of type {type(obj).__name__} at {prefix or 'the top level'!r}: only tensors, "
        "numbers, strings, None, lists, tuples and dicts are stored (nothing is pickled)"
    )


def _write(path: str, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    header: dict[str, Any] = {"__metadata__": metadata} if metadata else {}
    arrays = {}
    for name, array in tensors.items():
        native = array.dtype.newbyteorder("=")
        if native not in _CODES:
            raise SafetensorsError(f"{path}: tensor {name!r} has dtype {array.dtype}, which safetensors cannot store")
        arrays[name] = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        header[name] = {"dtype": _CODES[native], "shape": list(array.shape), "data_offsets": [0, 0]}
    # lay out the data by decreasing item size, so every tensor is aligned (as the safetensors library does)
    layout = sorted(arrays, key=lambda name: (-arrays[name].itemsize, name))
    offset = 0
    for name in layout:
        header[name]["data_offsets"] = [offset, offset + arrays[name].nbytes]
        offset += arrays[name].nbytes
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(struct.pack("<Q", len(header_bytes)))
            file.write(header_bytes)
            for name in layout:
                file.write(arrays[name].tobytes())
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


# ----------------------------------------------------------------------------------------- loading
def load(path: PathLike) -> Any:
    """Read a safetensors file: ``{name: Tensor}`` in header order, or the structure that :func:`save` stored."""
    tensors, metadata = _read(os.fspath(path))
    structure = metadata.get(STRUCTURE_KEY)
    if structure is None:
        return tensors
    try:
        return _decode(json.loads(structure), tensors)
    except (ValueError, KeyError, TypeError) as error:
        raise SafetensorsError(f"{os.fspath(path)}: the stored structure is invalid ({error})") from None


def load_metadata(path: PathLike) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors file (an empty dict when it has none)."""
    return _read(os.fspath(path))[1]


def _decode(obj: Any, tensors: dict[str, Tensor]) -> Any:
    if isinstance(obj, list):
        return [_decode(value, tensors) for value in obj]
    if not isinstance(obj, dict):
        return obj
    if "__tensor__" in obj:
        return tensors[obj["__tensor__"]]
    if "__float__" in obj:
        return float(obj["__float__"])
    if "__tuple__" in obj:
        return tuple(_decode(value, tensors) for value in obj["__tuple__"])
    return {key: _decode(value, tensors) for key, value in obj["__dict__"]}


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _read(path: str) -> tuple[dict[str, Tensor], dict[str, str]]:
    def fail(problem: str) -> SafetensorsError:
        return SafetensorsError(f"{path}: {problem}")

    with open(path, "rb") as file:
        buffer = bytearray(os.fstat(file.fileno()).st_size)
        file.readinto(buffer)
    size = len(buffer)
    if size < 8:
        raise fail(f"not a safetensors file: {size} bytes is too short for the 8-byte header length")
    (header_size,) = struct.unpack_from("<Q", buffer)
    if header_size > MAX_HEADER_SIZE:
        raise fail(
            f"header length {header_size} exceeds the limit of {MAX_HEADER_SIZE} bytes (not a safetensors file?)"
        )
    if 8 + header_size > size:
        raise fail(
            f"header length {header_size} runs past the end of the file ({size} bytes): truncated or not safetensors"
        )
    raw = bytes(buffer[8 : 8 + header_size])
    if not raw.startswith(b"{"):
        raise fail("the header does not start with '{': not a safetensors file")
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, ValueError) as error:
        raise fail(f"the header is not valid JSON ({error})") from None
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise fail("__metadata__ must map str to str")
    data_size = size - 8 - header_size
    entries = [(name, *_entry(name, info, fail)) for name, info in header.items()]
    expected = 0
    for name, _, _, begin, end in sorted(entries, key=lambda e: (e[3], e[4])):
        if end > data_size:
            raise fail(f"tensor {name!r} ends at byte {end} but the data has only {data_size} bytes: truncated file")
        if begin < expected:
            raise fail(f"tensor {name!r} (data_offsets [{begin}, {end}]) overlaps the tensor before it")
        if begin > expected:
            raise fail(f"a hole of {begin - expected} bytes before tensor {name!r}: offsets must be contiguous")
        expected = end
    if expected != data_size:
        raise fail(f"{data_size - expected} bytes after the last tensor are not covered by any tensor")
    tensors = {}
    start = 8 + header_size
    for name, dtype_code, shape, begin, end in entries:
        dtype = _DTYPES[dtype_code]
        array = np.frombuffer(buffer, dtype=dtype, count=(end - begin) // dtype.itemsize, offset=start + begin)
        if dtype_code == "BF16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        elif (start + begin) % dtype.itemsize or not dtype.isnative:
            array = array.astype(dtype.newbyteorder("="))  # aligned native copy
        tensors[name] = am.as_tensor(array.reshape(shape))
    return tensors, metadata


def _entry(name: str, info: Any, fail: Any) -> tuple[str, tuple[int, ...], int, int]:
    """Validate one header entry: (dtype code, shape, begin, end)."""
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise fail(f"tensor {name!r} must have exactly 'dtype', 'shape' and 'data_offsets'")
    code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if code not in _DTYPES:
        raise fail(f"tensor {name!r} has unsupported dtype {code!r}")
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise fail(f"tensor {name!r} has an invalid shape {shape!r}")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in offsets)
        or not 0 <= offsets[0] <= offsets[1]
    ):
        raise fail(f"tensor {name!r} has invalid data_offsets {offsets!r}")
    nbytes = math.prod(shape) * _DTYPES[code].itemsize
    if offsets[1] - offsets[0] != nbytes:
        raise fail(
            f"tensor {name!r} of dtype {code} and shape {shape} needs {nbytes} bytes but its data_offsets "
            f"{offsets} span {offsets[1] - offsets[0]}"
        )
    return code, tuple(shape), offsets[0], offsets[1]
