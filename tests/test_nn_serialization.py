"""Safetensors save/load: round trips, the byte-level format, structures, malformed files, atomic writes, interop."""

from __future__ import annotations

import itertools
import json
import math
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from nn.serialization import MAX_HEADER_SIZE, SafetensorsError

DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "U16": np.uint16,
    "U32": np.uint32,
    "U64": np.uint64,
    "BOOL": np.bool_,
}


def sample_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {f"t_{code.lower()}": (rng.standard_normal((2, 3)) * 50).astype(dtype) for code, dtype in DTYPES.items()}
    arrays["scalar"] = np.array(3.5, dtype=np.float32)
    arrays["empty"] = np.zeros((0, 4), dtype=np.float32)
    arrays["big_endian"] = np.arange(5, dtype=">f8")
    return arrays


def read_header(path: Path) -> tuple[int, dict[str, Any], bytes]:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return n, json.loads(raw[8 : 8 + n]), raw[8 + n :]


def write_raw(path: Path, header: Any, data: bytes = b"", header_size: int | None = None) -> Path:
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text) if header_size is None else header_size) + text + data)
    return path


def test_round_trip_every_dtype(tmp_path: Path) -> None:
    arrays = sample_arrays()
    path = tmp_path / "model.safetensors"
    nn.save({k: am.as_tensor(v) for k, v in arrays.items()}, path)
    loaded = nn.load(path)
    assert list(loaded) == list(arrays)  # header order is the state_dict's order
    for name, array in arrays.items():
        assert isinstance(loaded[name], am.Tensor)
        assert loaded[name].dtype == array.dtype.newbyteorder("=")
        np.testing.assert_array_equal(loaded[name].data, array)
        assert loaded[name].data.flags.writeable


def test_byte_level_format_follows_the_spec(tmp_path: Path) -> None:
    arrays = sample_arrays()
    path = tmp_path / "model.safetensors"
    nn.save(arrays, path, metadata={"format": "np"})
    n, header, data = read_header(path)
    assert (8 + n) % 8 == 0  # the header is padded with spaces so the data is 8-byte aligned
    assert header.pop("__metadata__") == {"format": "np"}
    spans = sorted(tuple(info["data_offsets"]) for info in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))  # contiguous, no holes or overlaps
    for name, info in header.items():
        array = arrays[name]
        assert set(info) == {"dtype", "shape", "data_offsets"}
        assert DTYPES[info["dtype"]] == array.dtype.newbyteorder("=").type
        assert info["shape"] == list(array.shape)
        begin, end = info["data_offsets"]
        assert begin % array.itemsize == 0  # every tensor aligned
        assert data[begin:end] == array.astype(array.dtype.newbyteorder("<")).tobytes()
    assert nn.load_metadata(path) == {"format": "np"}


def test_reads_bf16_as_float32(tmp_path: Path) -> None:
    values = np.array([1.0, -2.5, 3.140625], dtype=np.float32)
    bits = (values.view(np.uint32) >> 16).astype("<u2")
    path = write_raw(
        tmp_path / "bf16.safetensors", {"w": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}}, bits.tobytes()
    )
    loaded = nn.load(path)["w"]
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded.data, values)


def test_nested_structures_round_trip(tmp_path: Path) -> None:
    obj = {
        "model": {"weight": am.ones(2, 3), "bias": am.zeros(2)},
        "state": {0: {"step": 3, "exp_avg": am.ones(2)}, 1: {"history": [am.zeros(1), None, (1, 2.5)]}},
        "floats": [math.inf, -math.inf, 1e-300],
        "flags": (True, False, None, "text"),
        "epoch": 7,
    }
    path = tmp_path / "ckpt.safetensors"
    nn.save(obj, path)
    loaded = nn.load(path)
    assert set(loaded) == set(obj)
    np.testing.assert_array_equal(loaded["model"]["weight"].data, np.ones((2, 3)))
    assert loaded["state"][0]["step"] == 3 and 0 in loaded["state"]
    assert loaded["state"][1]["history"][1:] == [None, (1, 2.5)]
    assert loaded["floats"] == [math.inf, -math.inf, 1e-300]
    assert loaded["flags"] == (True, False, None, "text") and loaded["epoch"] == 7
    nan = nn.load(nn.save({"x": [math.nan]}, tmp_path / "nan.st") or tmp_path / "nan.st")
    assert math.isnan(nan["x"][0])
    _, header, _ = read_header(path)
    assert "state.0.exp_avg" in header and "model.weight" in header


def test_module_state_dict_round_trip(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    nn.save(model.state_dict(), tmp_path / "m.safetensors")
    twin = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    twin.load_state_dict(nn.load(tmp_path / "m.safetensors"))
    x = am.randn(5, 3)
    np.testing.assert_array_equal(twin(x).data, model(x).data)


def test_unsupported_objects(tmp_path: Path) -> None:
    with pytest.raises(SafetensorsError, match="cannot save an object of type function"):
        nn.save({"f": lambda: 0, "x": am.ones(1)}, tmp_path / "bad.st")
    with pytest.raises(SafetensorsError, match="complex128, which safetensors cannot store"):
        nn.save({"z": np.zeros(2, dtype=np.complex128)}, tmp_path / "bad.st")
    with pytest.raises(SafetensorsError, match="metadata must map str to str"):
        nn.save({"x": am.ones(1)}, tmp_path / "bad.st", metadata={"n": 1})  # type: ignore[dict-item]
    with pytest.raises(SafetensorsError, match="cannot save a dict key of type float"):
        nn.save({1.5: am.ones(1), "y": 2}, tmp_path / "bad.st")
    assert not list(tmp_path.iterdir())


def test_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.safetensors"
    nn.save({"w": am.ones(3)}, path)
    before = path.read_bytes()

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"w": am.zeros(3)}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]  # no temporary file left behind


# ------------------------------------------------------------------------------------ malformed files
ENTRY = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"\x01\x02"), "too short for the 8-byte header length"),
        (lambda p: write_raw(p, {"w": ENTRY}, bytes(8), header_size=10**6), "runs past the end of the file"),
        (lambda p: write_raw(p, {"w": ENTRY}, bytes(8), header_size=MAX_HEADER_SIZE + 1), "exceeds the limit"),
        (lambda p: p.write_bytes(b"PK\x03\x04 this is a zip, or a pickle, not safetensors"), "exceeds the limit"),
        (lambda p: write_raw(p, b"[1, 2]"), "does not start with '{'"),
        (lambda p: write_raw(p, b"{not json"), "the header is not valid JSON"),
        (lambda p: write_raw(p, b'{"a": 1, "a": 2}'), "duplicate key"),
        (lambda p: write_raw(p, {"w": ENTRY}, bytes(5)), "truncated file"),
        (lambda p: write_raw(p, {"w": ENTRY}, bytes(12)), "4 bytes after the last tensor"),
        (
            lambda p: write_raw(p, {"a": ENTRY, "b": {**ENTRY, "data_offsets": [4, 12]}}, bytes(12)),
            "overlaps the tensor before it",
        ),
        (lambda p: write_raw(p, {"a": {**ENTRY, "data_offsets": [4, 12]}}, bytes(12)), "a hole of 4 bytes"),
        (lambda p: write_raw(p, {"w": {**ENTRY, "dtype": "C64"}}, bytes(8)), "unsupported dtype 'C64'"),
        (lambda p: write_raw(p, {"w": {**ENTRY, "shape": [3]}}, bytes(8)), "needs 12 bytes but its data_offsets"),
        (lambda p: write_raw(p, {"w": {**ENTRY, "shape": [-2]}}, bytes(8)), "invalid shape"),
        (lambda p: write_raw(p, {"w": {**ENTRY, "data_offsets": [8, 0]}}, bytes(8)), "invalid data_offsets"),
        (lambda p: write_raw(p, {"w": {"dtype": "F32", "shape": [2]}}, bytes(8)), "must have exactly"),
        (lambda p: write_raw(p, {"__metadata__": {"k": 1}, "w": ENTRY}, bytes(8)), "__metadata__ must map str to str"),
        (lambda p: write_raw(p, b"{\xff}"), "not valid JSON"),
    ],
)
def test_malformed_files_raise_clear_errors(tmp_path: Path, make: Any, message: str) -> None:
    path = tmp_path / "broken.safetensors"
    make(path)
    with pytest.raises(SafetensorsError, match=message) as info:
        nn.load(path)
    assert str(path) in str(info.value) and isinstance(info.value, ValueError)


def test_a_truncated_real_file(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    nn.save({"w": am.ones(10, 10)}, path)
    raw = path.read_bytes()
    for cut in (4, 20, len(raw) - 1):
        path.write_bytes(raw[:cut])
        with pytest.raises(SafetensorsError, match=r"too short|runs past the end|truncated"):
            nn.load(path)


# ------------------------------------------------------------------------------------ interoperability
def test_the_safetensors_package_reads_and_writes_our_files(tmp_path: Path) -> None:
    st = pytest.importorskip("safetensors.numpy")
    arrays = {k: v for k, v in sample_arrays().items() if v.dtype.isnative}
    nn.save(arrays, tmp_path / "ours.safetensors", metadata={"note": "hi"})
    theirs = st.load_file(str(tmp_path / "ours.safetensors"))
    for name, array in arrays.items():
        np.testing.assert_array_equal(theirs[name], array)
    st.save_file(arrays, str(tmp_path / "theirs.safetensors"), metadata={"a": "b"})
    loaded = nn.load(tmp_path / "theirs.safetensors")
    for name, array in arrays.items():
        np.testing.assert_array_equal(loaded[name].data, array)
    assert nn.load_metadata(tmp_path / "theirs.safetensors") == {"a": "b"}


def _torch_read(torch: Any, path: Path) -> dict[str, Any]:
    """A minimal safetensors reader on torch alone, independent of nn.serialization."""
    _n, header, data = read_header(path)
    header.pop("__metadata__", None)
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    return {
        name: torch.frombuffer(bytearray(data[slice(*info["data_offsets"])]), dtype=dtypes[info["dtype"]]).reshape(
            info["shape"]
        )
        for name, info in header.items()
    }


def _torch_write(path: Path, state: dict[str, Any]) -> None:
    """A minimal safetensors writer on torch alone."""
    header, chunks, offset = {}, [], 0
    for name, tensor in state.items():
        raw = tensor.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    write_raw(path, header, b"".join(chunks))


def test_weights_move_between_torch_and_us_both_ways(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    nn.save(ours.state_dict(), tmp_path / "ours.safetensors")
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    theirs.load_state_dict(_torch_read(torch, tmp_path / "ours.safetensors"), strict=True)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(theirs(torch.from_numpy(x)).detach().numpy(), ours(am.tensor(x)).data, rtol=1e-5)

    torch.manual_seed(0)
    source = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    _torch_write(tmp_path / "theirs.safetensors", source.state_dict())
    ours.load_state_dict(nn.load(tmp_path / "theirs.safetensors"), strict=True)
    np.testing.assert_allclose(ours(am.tensor(x)).data, source(torch.from_numpy(x)).detach().numpy(), rtol=1e-5)
    st = pytest.importorskip("safetensors.torch")
    theirs.load_state_dict(st.load_file(str(tmp_path / "ours.safetensors")), strict=True)
