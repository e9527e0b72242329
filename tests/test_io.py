"""Model files: round trips, and every file that must be refused (and never executed)."""

from __future__ import annotations

import io as stdio
import json
import os
import pickle
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import chainrule
from chainrule import ModelFileError, Network, load, save
from chainrule import io as cio
from chainrule.activations import LeakyReLU

META = "__chainrule__"


def trained(dtype: str = "float64", **kw) -> tuple[Network, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 30))
    labels = (X[0] > 0).astype(int) + (X[1] > 0).astype(int)
    net = Network([4, 6, 5, 3], activations=["tanh", LeakyReLU(0.2), "softmax"], loss="cce",
                  dtype=dtype, l2=0.01, dropout=[0.1, 0.0], init=["he", "xavier", "zeros"],
                  seed=3, **kw)  # fmt: skip
    net.fit(X, labels, epochs=3, batch_size=8, learning_rate=0.01, progress=False)
    return net, X


def write_npz(path: Path, **arrays) -> Path:
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def entries(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def meta_of(path: Path) -> dict:
    return json.loads(str(entries(path)[META]))


def rewrite(path: Path, meta: dict | None = None, **changes) -> Path:
    """Re-write a saved model file with changed metadata and/or arrays (None removes one)."""
    arrays = entries(path)
    if meta is not None:
        arrays[META] = np.array(json.dumps(meta))
    for k, v in changes.items():
        if v is None:
            arrays.pop(k)
        else:
            arrays[k] = v
    return write_npz(path, **arrays)


@pytest.fixture
def saved(tmp_path) -> tuple[Network, np.ndarray, Path]:
    net, X = trained()
    return net, X, net.save(tmp_path / "model.npz", dataset="toy", classes=["a", "b", "c"])


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_gives_identical_predictions(tmp_path, dtype) -> None:
    net, X = trained(dtype)
    path = save(net, tmp_path / "m", note="hello")
    assert path == tmp_path / "m.npz"  # the suffix is added
    back = load(path)
    assert back.config() == net.config()
    assert back.dtype == np.dtype(dtype)
    for k, v in net.parameters.items():
        assert back.parameters[k].dtype == v.dtype
        assert_array_equal(back.parameters[k], v)
    assert_array_equal(back.predict_proba(X), net.predict_proba(X))
    assert_array_equal(back.predict(X), net.predict(X))
    assert back.activations[1] == LeakyReLU(0.2)
    assert back.metadata == {"note": "hello"}
    assert back.history is not None
    assert net.history is not None
    assert back.history.train_cost == net.history.train_cost
    assert load(tmp_path / "m").config() == net.config()  # the suffix may be left out


def test_metadata_and_the_file_layout(saved) -> None:
    _, _, path = saved
    meta = chainrule.io.read_metadata(path)
    assert meta["format"] == "chainrule-model"
    assert meta["format_version"] == cio.FORMAT_VERSION
    assert meta["chainrule_version"] == chainrule.__version__
    assert meta["config"]["layer_dims"] == [4, 6, 5, 3]
    assert meta["metadata"] == {"dataset": "toy", "classes": ["a", "b", "c"]}
    # a plain .npz that NumPy itself reads without pickle
    assert sorted(entries(path)) == sorted([META, "W1", "b1", "W2", "b2", "W3", "b3"])


def test_regression_history_with_nan_accuracy_round_trips(tmp_path) -> None:
    X = np.random.default_rng(0).standard_normal((2, 8))
    net = Network([2, 3, 1], output="identity", loss="mse", seed=0)
    net.fit(X, X[:1], epochs=2, progress=False)
    back = load(net.save(tmp_path / "r.npz"))
    assert back.history is not None
    assert np.isnan(back.history.train_accuracy).all()


def test_network_without_history_round_trips(tmp_path) -> None:
    net = Network([3, 2], seed=1)
    back = load(net.save(tmp_path / "fresh.npz"))
    assert back.history is None
    assert_array_equal(back.parameters["W1"], net.parameters["W1"])


# -- refused files ----------------------------------------------------------------------------


def test_missing_file(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load(tmp_path / "nope.npz")


@pytest.mark.parametrize("fraction", [0.0, 0.002, 0.25, 0.5, 0.9, 0.999])
def test_truncated_files_are_refused(saved, fraction) -> None:
    _, _, path = saved
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(ModelFileError, match=r"model\.npz"):
        load(path)


def test_corrupt_bytes_are_refused(saved) -> None:
    _, _, path = saved
    data = bytearray(path.read_bytes())
    # flip bytes inside the stored W1 data: the zip CRC no longer matches
    with zipfile.ZipFile(stdio.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("W1.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    data[start : start + 8] = bytes(b ^ 0xFF for b in data[start : start + 8])
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="corrupt"):
        load(path)


@pytest.mark.parametrize("content", [b"", b"garbage" * 100, b"PK\x03\x04" + b"\x00" * 50])
def test_garbage_is_refused(tmp_path, content) -> None:
    path = tmp_path / "g.npz"
    path.write_bytes(content)
    with pytest.raises(ModelFileError):
        load(path)


def test_a_bare_npy_array_is_refused(tmp_path) -> None:
    np.save(tmp_path / "a.npy", np.zeros(3))
    with pytest.raises(ModelFileError, match=r"not an \.npz archive"):
        load(tmp_path / "a.npy")


def test_a_csv_file_is_refused_as_not_an_archive(tmp_path) -> None:
    (tmp_path / "data.csv").write_text("1,2,3\n4,5,6\n")
    with pytest.raises(ModelFileError, match=r"not an \.npz archive"):
        load(tmp_path / "data.csv")


def test_a_folder_is_refused(tmp_path) -> None:
    (tmp_path / "dir.npz").mkdir()
    with pytest.raises(ModelFileError, match="not a file"):
        load(tmp_path / "dir.npz")


@pytest.mark.parametrize("version", [2, 99, 0, -1, "1", 1.0, True, None])
def test_unsupported_format_versions_are_refused(saved, version) -> None:
    _, _, path = saved
    meta = meta_of(path)
    meta["format_version"] = version
    rewrite(path, meta)
    with pytest.raises(ModelFileError, match=r"format version .* is not supported"):
        load(path)


def test_foreign_files_are_refused(saved, tmp_path) -> None:
    _, _, path = saved
    foreign = write_npz(tmp_path / "foreign.npz", W1=np.zeros((2, 2)))
    with pytest.raises(ModelFileError, match="no __chainrule__ entry"):
        load(foreign)
    meta = meta_of(path)
    meta["format"] = "keras"
    rewrite(path, meta)
    with pytest.raises(ModelFileError, match="not a chainrule model file"):
        load(path)


@pytest.mark.parametrize(
    "meta_entry",
    [np.array("{not json"), np.array(["{}", "{}"]), np.array(3.0), np.array('["a list"]')],
)
def test_malformed_metadata_is_refused(saved, meta_entry) -> None:
    _, _, path = saved
    rewrite(path, **{META: meta_entry})
    with pytest.raises(ModelFileError):
        load(path)


class Payload:
    """Unpickling this creates a file: proof that something was executed."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_carrying_arrays_are_refused_and_never_executed(saved, tmp_path) -> None:
    _, _, path = saved
    marker = tmp_path / "executed"
    evil = np.empty(1, dtype=object)
    evil[0] = Payload(str(marker))
    # the payload really works when something unpickles it ...
    pickle.loads(pickle.dumps(evil))
    assert marker.exists()
    marker.unlink()
    # ... and load() refuses it without unpickling, as an array or as the metadata
    good = path.read_bytes()
    rewrite(path, W1=evil)
    with pytest.raises(ModelFileError, match="refused"):
        load(path)
    path.write_bytes(good)
    rewrite(path, **{META: evil})
    with pytest.raises(ModelFileError):
        load(path)
    raw = tmp_path / "raw.npz"
    raw.write_bytes(pickle.dumps(evil))  # a bare pickle stream
    with pytest.raises(ModelFileError):
        load(raw)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"W1": np.zeros((4, 6))}, r"W1 has shape \(4, 6\), the architecture needs \(6, 4\)"),
        ({"b2": np.zeros(5)}, r"b2 has shape \(5,\)"),
        ({"b3": None}, r"do not match the architecture"),
        ({"W4": np.zeros((2, 3))}, r"do not match the architecture"),
        ({"W2": np.full((5, 6), np.nan)}, "W2 contains NaN or infinite values"),
        ({"b1": np.full((6, 1), np.inf)}, "b1 contains NaN or infinite values"),
        ({"W1": np.zeros((6, 4), np.float32)}, "W1 has dtype float32, metadata says float64"),
        ({"W1": np.zeros((6, 4), np.int64)}, "W1 has dtype int64, expected float64 or float32"),
        ({"W1": np.full((6, 4), "x")}, "W1 has dtype <U1"),
    ],
)
def test_arrays_that_do_not_fit_the_architecture_are_refused(saved, change, match) -> None:
    _, _, path = saved
    rewrite(path, **change)
    with pytest.raises(ModelFileError, match=match):
        load(path)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda c: c.update(activations=[{"name": "swish"}] * 3), "invalid architecture"),
        (lambda c: c.update(loss="hinge"), "invalid architecture"),
        (lambda c: c.update(dtype="float16"), "invalid architecture"),
        (lambda c: c.pop("activations"), "invalid architecture"),
        (lambda c: c.update(layer_dims="4,6,5,3"), "invalid architecture"),
        (lambda c: c.update(layer_dims=[4, 6, 5, True]), "invalid architecture"),
        # a hostile size is refused by the shape check before anything is allocated
        (lambda c: c.update(layer_dims=[4, 6, 5, 10**12]), "do not match|needs"),
    ],
)
def test_invalid_architectures_are_refused(saved, edit, match) -> None:
    _, _, path = saved
    meta = meta_of(path)
    edit(meta["config"])
    rewrite(path, meta)
    with pytest.raises(ModelFileError, match=match):
        load(path)


def test_config_that_is_not_a_dict_is_refused(saved) -> None:
    _, _, path = saved
    meta = meta_of(path)
    meta["config"] = ["layer_dims"]
    rewrite(path, meta)
    with pytest.raises(ModelFileError, match="config is not a dict"):
        load(path)


# -- saving never loses a file --------------------------------------------------------------------


def _folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_save_keeps_the_existing_file(saved, monkeypatch, error) -> None:
    net, _, path = saved
    before = path.read_bytes()
    listing = _folder_listing(path.parent)

    def failing_savez(f, **arrays):
        f.write(b"PK\x03\x04 half a file")  # the writer gets some bytes out, then fails
        raise error

    monkeypatch.setattr(cio.np, "savez", failing_savez)
    net.parameters["W1"][...] += 1.0  # a different model, so a partial write would show
    with pytest.raises(type(error)):
        save(net, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _folder_listing(path.parent) == listing  # no temporary file left behind
    load(path)  # and it still loads


def test_a_failed_rename_keeps_the_existing_file(saved, monkeypatch) -> None:
    net, _, path = saved
    before = path.read_bytes()

    def failing_replace(src, dst):
        raise PermissionError("read-only folder")

    monkeypatch.setattr(cio.os, "replace", failing_replace)
    with pytest.raises(PermissionError):
        save(net, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _folder_listing(path.parent) == ["model.npz"]


def test_saving_non_finite_parameters_is_refused(saved) -> None:
    net, _, path = saved
    before = path.read_bytes()
    net.parameters["b2"][0, 0] = np.nan
    with pytest.raises(ValueError, match="b2 contains NaN or inf"):
        save(net, path)
    assert path.read_bytes() == before


def test_unserialisable_metadata_is_refused(tmp_path) -> None:
    with pytest.raises(TypeError, match="metadata must be JSON-serialisable"):
        save(Network([2, 1]), tmp_path / "m.npz", scaler=np.zeros(3))
    assert _folder_listing(tmp_path) == []


def test_saving_into_a_missing_folder(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(Network([2, 1]), tmp_path / "no" / "m.npz")


def test_file_permissions(tmp_path) -> None:
    old = os.umask(0o022)
    try:
        path = save(Network([2, 1]), tmp_path / "m.npz")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0o600
        path.chmod(0o640)
        save(Network([2, 1]), path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640  # an existing file keeps its mode
    finally:
        os.umask(old)


def test_atomic_write_bytes(tmp_path) -> None:
    target = tmp_path / "x.bin"
    assert cio.atomic_write_bytes(target, lambda f: f.write(b"abc")) == target
    assert target.read_bytes() == b"abc"
    cio.atomic_write_bytes(target, lambda f: f.write(b"de"))
    assert target.read_bytes() == b"de"
    with pytest.raises(IsADirectoryError):
        cio.atomic_write_bytes(tmp_path, lambda f: f.write(b""))
    assert _folder_listing(tmp_path) == ["x.bin"]
