"""Tests for chainrule.data: loaders, IDX parsing, splits, scalers, one-hot.

Oracles: scikit-learn's own split of the raw data, hand-computed scaler values,
IDX files written here byte by byte, and the published facts about the real
data sets (tests marked ``data``, skipped when the files are absent).
"""

from __future__ import annotations

import dataclasses
import gzip
import math
import re
import struct
import tracemalloc
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import datasets as skdatasets
from sklearn.model_selection import train_test_split

from chainrule import data
from chainrule.data import (
    DATA_ENV_VAR,
    Dataset,
    MinMaxScaler,
    Standardizer,
    default_data_dir,
    flatten_images,
    load_catvnoncat,
    load_dataset,
    load_mnist,
    load_sklearn,
    one_hot,
    read_idx,
    train_val_test_split,
)
from chainrule.data.readers import read_csv

# name -> (examples, features, classes or None, task)
SKLEARN_FACTS = {
    "digits": (1797, 64, 10, "multiclass"),
    "breast_cancer": (569, 30, 2, "binary"),
    "iris": (150, 4, 3, "multiclass"),
    "wine": (178, 13, 3, "multiclass"),
    "diabetes": (442, 10, None, "regression"),
}
SK_LOADERS = {
    "digits": lambda: skdatasets.load_digits(return_X_y=True),
    "breast_cancer": lambda: skdatasets.load_breast_cancer(return_X_y=True),
    "iris": lambda: skdatasets.load_iris(return_X_y=True),
    "wine": lambda: skdatasets.load_wine(return_X_y=True),
    "diabetes": lambda: skdatasets.load_diabetes(return_X_y=True, scaled=False),
}


# --------------------------------------------------------------------------------------
# default_data_dir
# --------------------------------------------------------------------------------------


def test_default_data_dir_env_var_wins(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path / "nowhere"))
    assert default_data_dir() == (tmp_path / "nowhere").resolve()


def test_default_data_dir_cwd_relative(monkeypatch, tmp_path):
    monkeypatch.delenv(DATA_ENV_VAR, raising=False)
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    assert default_data_dir() == (tmp_path / "shared" / "data").resolve()


def test_default_data_dir_fallbacks(monkeypatch, tmp_path):
    monkeypatch.delenv(DATA_ENV_VAR, raising=False)
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    # <repository>/src/chainrule/data/__init__.py -> <repository>/../shared/data
    from_file = Path(data.__file__).resolve().parents[4] / "shared" / "data"
    expected = from_file if from_file.is_dir() else (tmp_path / "shared" / "data").resolve()
    assert default_data_dir() == expected


# --------------------------------------------------------------------------------------
# scikit-learn sets
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SKLEARN_FACTS))
def test_sklearn_shapes_and_oracle_split(name):
    m, n, k, task = SKLEARN_FACTS[name]
    ds = load_sklearn(name, scale="none")
    assert ds.task == task
    assert ds.name == name
    assert ds.n_features == n
    assert ds.n_classes == k
    assert ds.X_train.shape == (n, m - math.ceil(0.2 * m))
    assert ds.X_test.shape == (n, math.ceil(0.2 * m))
    assert ds.y_train.shape == (ds.X_train.shape[1],)
    assert ds.X_val is None
    assert ds.y_val is None
    # Oracle: scikit-learn's own seeded split of the raw rows, transposed.
    X, y = SK_LOADERS[name]()
    strat = None if task == "regression" else y
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=math.ceil(0.2 * m), random_state=0, stratify=strat
    )
    np.testing.assert_array_equal(ds.X_train, X_tr.T)
    np.testing.assert_array_equal(ds.X_test, X_te.T)
    np.testing.assert_array_equal(ds.y_train, y_tr)
    np.testing.assert_array_equal(ds.y_test, y_te)
    if task == "regression":
        assert ds.y_train.dtype == np.float64
    else:
        assert ds.y_train.dtype == np.int64
        assert len(ds.target_names) == k
    assert len(ds.feature_names) == n
    assert name in ds.summary()
    assert f"{n} features" in ds.summary()


@pytest.mark.parametrize("name", ["digits", "breast_cancer", "iris", "wine"])
def test_sklearn_split_is_stratified(name):
    ds = load_sklearn(name, test_size=0.25, seed=3)
    y_all = np.concatenate([ds.y_train, ds.y_test])
    for c in np.unique(y_all):
        total = int((y_all == c).sum())
        in_test = int((ds.y_test == c).sum())
        # each class's share of the test part is the share it would get exactly, ±1 example
        assert abs(in_test - total * ds.m_test / y_all.size) <= 1, (c, in_test, total)


@pytest.mark.parametrize("name", sorted(SKLEARN_FACTS))
def test_sklearn_seeds(name):
    a = load_sklearn(name, seed=7)
    b = load_sklearn(name, seed=7)
    c = load_sklearn(name, seed=8)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert a.X_train.shape == c.X_train.shape
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize("name", sorted(SKLEARN_FACTS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sklearn_standard_scaling_fitted_on_train(name, dtype):
    ds = load_sklearn(name, dtype=dtype)
    raw = load_sklearn(name, scale="none")
    assert ds.X_train.dtype == np.dtype(dtype)
    assert ds.X_test.dtype == np.dtype(dtype)
    for X in (ds.X_train, ds.X_test):
        assert np.isfinite(X).all()
    tol = 1e-4 if dtype == "float32" else 1e-10
    mu = raw.X_train.mean(axis=1, keepdims=True)
    sd = raw.X_train.std(axis=1, keepdims=True)
    varying = sd[:, 0] > 0
    np.testing.assert_allclose(ds.X_train.mean(axis=1)[varying], 0, atol=tol)
    np.testing.assert_allclose(ds.X_train.std(axis=1)[varying], 1, atol=tol)
    assert np.all(ds.X_train[~varying] == 0)  # constant features map to 0, not NaN
    # the test part uses the TRAIN statistics
    expected_test = (raw.X_test - mu) / np.where(sd == 0, 1, sd)
    np.testing.assert_allclose(ds.X_test, expected_test, rtol=tol, atol=tol)


def test_digits_constant_pixels_do_not_make_nan():
    ds = load_sklearn("digits")
    raw = load_sklearn("digits", scale="none")
    constant = raw.X_train.std(axis=1) == 0
    assert constant.any()  # e.g. the top-left pixel is always blank
    assert not np.isnan(ds.X_train).any()
    assert not np.isnan(ds.X_test).any()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sklearn_minmax(dtype):
    ds = load_sklearn("wine", scale="minmax", dtype=dtype)
    assert ds.X_train.dtype == np.dtype(dtype)
    np.testing.assert_allclose(ds.X_train.min(axis=1), 0, atol=1e-6)
    np.testing.assert_allclose(ds.X_train.max(axis=1), 1, atol=1e-6)


def test_sklearn_regression_target_dtype():
    ds = load_sklearn("diabetes", dtype="float32")
    assert ds.y_train.dtype == np.float32
    assert ds.n_classes is None
    assert "regression" in ds.summary()


def test_sklearn_val_part():
    ds = load_sklearn("digits", val_size=0.1, test_size=0.2)
    assert ds.m_val == math.ceil(0.1 * 1797)
    assert ds.m_test == math.ceil(0.2 * 1797)
    assert ds.m_train + ds.m_val + ds.m_test == 1797
    assert ds.X_val.shape == (64, ds.m_val)
    counts = np.bincount(ds.y_val, minlength=10)
    assert counts.min() >= 17  # stratified: ~18 of each digit
    assert counts.max() <= 19


def test_sklearn_bad_arguments():
    with pytest.raises(ValueError, match=r"valid names are: .*breast_cancer.*digits"):
        load_sklearn("mnist_small")
    with pytest.raises(ValueError, match="scale"):
        load_sklearn("iris", scale="zscore")
    with pytest.raises(ValueError, match="float64"):
        load_sklearn("iris", dtype="float16")
    with pytest.raises(ValueError, match="test_size"):
        load_sklearn("iris", test_size=1.0)
    with pytest.raises(ValueError, match="no training example"):
        load_sklearn("iris", test_size=0.6, val_size=0.5)


# --------------------------------------------------------------------------------------
# load_dataset: names and user files
# --------------------------------------------------------------------------------------


def test_load_dataset_dispatches_sklearn_names():
    a = load_dataset("iris", seed=4, scale="minmax")
    b = load_sklearn("iris", seed=4, scale="minmax")
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)


def test_load_dataset_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"valid names are: .*catvnoncat.*iris.*mnist"):
        load_dataset("imagenet")


def _rows_as_set(X_cols):
    return {tuple(col) for col in X_cols.T}


def test_load_dataset_csv_with_header(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)).round(3)
    y = np.repeat([1, 2], 20)  # not 0-based: relabelled to 0..1, names kept
    path = tmp_path / "toy.csv"
    lines = ["a,b,c,label"] + [f"{r[0]},{r[1]},{r[2]},{t}" for r, t in zip(X, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    ds = load_dataset(path, scale="none", test_size=0.25)
    assert ds.task == "binary"
    assert ds.name == "toy"
    assert ds.feature_names == ["a", "b", "c"]
    assert ds.target_names == ["1", "2"]
    assert ds.X_train.shape == (3, 30)
    assert ds.X_test.shape == (3, 10)
    # every row of the file is exactly one column of one part, with its label
    both = np.concatenate([ds.X_train, ds.X_test], axis=1)
    assert _rows_as_set(both) == _rows_as_set(X.T)
    label_of = {tuple(r): int(t) - 1 for r, t in zip(X, y, strict=True)}
    for Xp, yp in ((ds.X_train, ds.y_train), (ds.X_test, ds.y_test)):
        assert [label_of[tuple(c)] for c in Xp.T] == yp.tolist()
    assert np.bincount(ds.y_test).tolist() == [5, 5]  # stratified


def test_load_dataset_csv_no_header_target_column(tmp_path):
    rows = np.array([[k % 3, k * 0.5, k * 2.0] for k in range(30)])
    path = tmp_path / "nohead.csv"
    np.savetxt(path, rows, delimiter=",")
    ds = load_dataset(path, target_column=0, scale="none", seed=1)
    assert ds.task == "multiclass"
    assert ds.feature_names is None
    assert ds.n_features == 2
    assert ds.n_classes == 3
    np.testing.assert_array_equal(
        np.sort(np.concatenate([ds.y_train, ds.y_test])), np.sort(rows[:, 0])
    )
    by_name = tmp_path / "head.csv"
    np.savetxt(by_name, rows, delimiter=",", header="k,x,z", comments="")
    ds2 = load_dataset(by_name, target_column="k", scale="none", seed=1)
    np.testing.assert_array_equal(ds2.X_train, ds.X_train)
    with pytest.raises(ValueError, match=r"no column named 'w'.*\['k', 'x', 'z'\]"):
        load_dataset(by_name, target_column="w")
    with pytest.raises(ValueError, match="no header row"):
        load_dataset(path, target_column="k")
    with pytest.raises(ValueError, match="out of range"):
        load_dataset(path, target_column=5)


def test_load_dataset_csv_regression_and_float32(tmp_path):
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(25, 4))
    path = tmp_path / "reg.csv"
    np.savetxt(path, rows, delimiter=",")
    ds = load_dataset(path, dtype="float32", val_size=0.2)
    assert ds.task == "regression"
    assert ds.X_train.dtype == np.float32
    assert ds.y_train.dtype == np.float32
    assert (ds.m_train, ds.m_val, ds.m_test) == (15, 5, 5)
    np.testing.assert_allclose(ds.X_train.mean(axis=1), 0, atol=1e-5)


def test_load_dataset_csv_errors(tmp_path):
    missing = tmp_path / "absent.csv"
    with pytest.raises(FileNotFoundError, match=r"absent\.csv"):
        load_dataset(missing)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,0\n3,cat,1\n")
    with pytest.raises(ValueError, match=r"bad\.csv, line 3, column 'b' \(index 1\): 'cat' is not"):
        load_dataset(bad)
    other = tmp_path / "x.parquet"
    other.write_text("")
    with pytest.raises(ValueError, match=r"unsupported file type '\.parquet'"):
        load_dataset(other)
    lonely = tmp_path / "lonely.csv"  # one example of class 1: cannot stratify
    lonely.write_text("\n".join([f"{k},0" for k in range(9)] + ["9,1"]) + "\n")
    with pytest.raises(ValueError, match="task='regression'"):
        load_dataset(lonely)
    ok = load_dataset(lonely, task="regression")
    assert ok.task == "regression"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("", r"no data rows \(the file is empty\)"),
        ("\n\n# only a comment\n", r"no data rows \(the file is empty\)"),
        ("x1,x2,y\n", r"no data rows: the only row, 'x1,x2,y', has no numbers"),
        ("a,a,a,a\n", r"no data rows: the only row, 'a,a,a,a', has no numbers.*header row"),
        ("x1,x2,y\n\n# nothing else\n", r"no data rows: the only row, 'x1,x2,y'"),
    ],
)
def test_csv_without_data_rows_is_one_clear_error_and_no_numpy_warning(tmp_path, text, pattern):
    """Review item 5: NumPy's "loadtxt: input contained no data" UserWarning leaked to stderr."""
    path = tmp_path / "nodata.csv"
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a leaked warning would be raised instead of ValueError
        with pytest.raises(ValueError, match=pattern) as info:
            load_dataset(path)
        assert str(info.value).startswith(str(path))
        with pytest.raises(ValueError, match=pattern):
            read_csv(path, has_target=False)


def test_csv_string_class_labels_map_to_indices_with_names_kept(tmp_path):
    """Review item 10: 'cat'/'dog'/'eel' labels were refused ("could not convert string")."""
    rng = np.random.default_rng(3)
    names = np.array(["eel", "cat", "dog"])
    labels = names[np.arange(45) % 3]
    X = rng.normal(size=(45, 2))
    path = tmp_path / "animals.csv"
    rows = [f"{float(a)!r},{float(b)!r},{lab}" for (a, b), lab in zip(X, labels, strict=True)]
    path.write_text("x1,x2,species\n" + "\n".join(rows) + "\n")
    ds = load_dataset(path, scale="none", test_size=0.2, seed=0)
    assert ds.task == "multiclass"
    assert ds.target_names == ["cat", "dog", "eel"]  # sorted, like np.unique / scikit-learn
    assert ds.feature_names == ["x1", "x2"]
    # oracle: every example's label index names the label written next to it in the file
    label_of = {(a, b): lab for (a, b), lab in zip(X, labels, strict=True)}
    for Xp, yp in ((ds.X_train, ds.y_train), (ds.X_test, ds.y_test)):
        assert yp.dtype == np.int64
        assert [ds.target_names[k] for k in yp] == [label_of[tuple(c)] for c in Xp.T]
    assert np.bincount(ds.y_test).tolist() == [3, 3, 3]  # stratified on the names
    # no header, two names: binary; quoted cells are read like unquoted ones
    two = tmp_path / "two.csv"
    two.write_text("".join(f'"{k}",{k % 5},"{["no", "yes"][k % 2]}"\n' for k in range(20)))
    ds2 = load_dataset(two, scale="none")
    assert ds2.task == "binary"
    assert ds2.target_names == ["no", "yes"]
    assert ds2.feature_names is None
    both = np.concatenate([ds2.X_train, ds2.X_test], axis=1)
    ys = np.concatenate([ds2.y_train, ds2.y_test])
    np.testing.assert_array_equal(ys, both[0] % 2)  # "yes" (1) exactly on the odd rows
    # the label column by name, in the middle; .npz files may hold names too
    mid = tmp_path / "mid.csv"
    mid.write_text("a,kind,b\n" + "".join(f"{k},{'ab'[k % 2]},{k * k}\n" for k in range(20)))
    ds3 = load_dataset(mid, target_column="kind", scale="none")
    assert ds3.target_names == ["a", "b"]
    assert ds3.feature_names == ["a", "b"]
    npz = tmp_path / "named.npz"
    np.savez(npz, X=X, y=labels.astype("S3"))  # byte strings are decoded
    assert load_dataset(npz).target_names == ["cat", "dog", "eel"]


def test_csv_messages_are_our_own_and_name_the_cli_options(tmp_path):
    """Review item 10: NumPy's 'use `usecols`' advice and Python-only 'task=' phrasing."""
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,c\n1,2,3\n4,5\n6,7,8\n")
    with pytest.raises(ValueError, match="comma-separated values") as info:
        load_dataset(ragged)
    msg = str(info.value)
    assert msg.startswith(f"{ragged}, line 3: 2 comma-separated values, but the header row has 3")
    assert "usecols" not in msg
    noheader = tmp_path / "ragged2.csv"
    noheader.write_text("1,2,3\n4,5,6,7\n")
    with pytest.raises(ValueError, match=r"line 2: 4 comma-separated values, but the first row"):
        load_dataset(noheader)
    words = tmp_path / "words.csv"
    words.write_text("1,2,cat\n3,4,dog\n5,6,cat\n7,8,dog\n")
    with pytest.raises(ValueError, match=r"task='regression' \(--task regression on the command"):
        load_dataset(words, task="regression")
    cont = tmp_path / "cont.csv"
    cont.write_text("".join(f"{k},{k * 0.37}\n" for k in range(20)))
    with pytest.raises(ValueError, match=r"pass task='regression' \(--task regression on the"):
        load_dataset(cont, task="binary")
    three = tmp_path / "three.csv"
    three.write_text("".join(f"{k},{k % 3}\n" for k in range(30)))
    with pytest.raises(ValueError, match=r"task='binary' \(--task binary on the command line\)"):
        load_dataset(three, task="binary")
    with pytest.raises(ValueError, match=r"target_column=7 \(--target-column on the command"):
        load_dataset(three, target_column=7)


def test_read_csv_without_target_reads_every_column(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("# features only\n1,2,3\n4,5,6\n")
    X, y, header, col = read_csv(path, has_target=False)
    np.testing.assert_array_equal(X, [[1, 2, 3], [4, 5, 6]])
    assert (y, header, col) == (None, None, None)
    X, y, header, col = read_csv(path, -1, has_target=False)  # drop a column, no label
    np.testing.assert_array_equal(X, [[1, 2], [4, 5]])
    assert y is None
    assert col == 2
    path.write_text("1,2,cat\n")
    with pytest.raises(
        ValueError,
        match=r"line 1, column index 2: 'cat' is not a number; every column must hold numbers "
        r"\(column 2 holds text in every row; to drop it: target_column=2\)$",
    ):
        read_csv(path, has_target=False)


def test_load_dataset_npz_rows_are_examples(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(50, 6))
    y = rng.integers(0, 3, size=50)
    path = tmp_path / "arrays.npz"
    np.savez(path, X=X, y=y, feature_names=np.array([f"f{i}" for i in range(6)]))
    ds = load_dataset(path, scale="none", test_size=0.2)
    assert ds.X_train.shape == (6, 40)  # transposed: (n_features, m)
    assert ds.feature_names == [f"f{i}" for i in range(6)]
    assert ds.task == "multiclass"
    both = np.concatenate([ds.X_train, ds.X_test], axis=1)
    assert _rows_as_set(both) == _rows_as_set(X.T)
    # multi-output regression: y (m, k) -> (k, m)
    Y = rng.normal(size=(50, 2))
    path2 = tmp_path / "multi.npz"
    np.savez(path2, X=X, y=Y)
    ds2 = load_dataset(path2)
    assert ds2.task == "regression"
    assert ds2.y_train.shape == (2, 40)
    assert ds2.n_classes is None


def test_load_dataset_npz_errors(tmp_path):
    path = tmp_path / "wrong.npz"
    np.savez(path, features=np.zeros((3, 2)), y=np.zeros(3))
    with pytest.raises(ValueError, match=r"wrong\.npz must hold arrays 'X'.*features"):
        load_dataset(path)
    mism = tmp_path / "mism.npz"
    np.savez(mism, X=np.zeros((5, 2)), y=np.zeros(4))
    with pytest.raises(ValueError, match=r"X has 5 examples .* y has 4"):
        load_dataset(mism)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not a zip file")
    with pytest.raises(ValueError, match=r"junk\.npz"):
        load_dataset(junk)
    with pytest.raises(FileNotFoundError, match=r"gone\.npz"):
        load_dataset(tmp_path / "gone.npz")


# --------------------------------------------------------------------------------------
# IDX files and load_mnist on small synthetic files
# --------------------------------------------------------------------------------------


def _idx_bytes(arr, *, magic=None):
    arr = np.asarray(arr, dtype=np.uint8)
    if magic is None:
        magic = bytes([0, 0, 0x08, arr.ndim])
    return magic + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def _write(path, payload, *, gz):
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_round_trip(tmp_path, gz):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7, dtype=np.uint8)
    # names deliberately do not say .gz: compression is detected from the content
    got_images = read_idx(_write(tmp_path / "img.idx3", _idx_bytes(images), gz=gz))
    got_labels = read_idx(_write(tmp_path / "lab.idx1", _idx_bytes(labels), gz=gz))
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    assert got_images.dtype == np.uint8
    assert got_images.shape == (7, 5, 4)
    assert got_labels.shape == (7,)
    got_images[0, 0, 0] = 1  # an ordinary writable array


def test_read_idx_header_is_big_endian(tmp_path):
    # 258 labels: count bytes 00 00 01 02, which little-endian would read as 33619968
    labels = np.arange(258) % 10
    out = read_idx(_write(tmp_path / "l", _idx_bytes(labels), gz=False))
    assert out.shape == (258,)


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda b: b"\x01\x02" + b[2:], r"bad IDX magic number 0x0102"),
        (lambda b: b[:2] + b"\x0d" + b[3:], r"unsupported IDX type code 0x0d \(float"),
        (lambda b: b[:3] + b"\x02" + b[4:], r"unsupported number of dimensions 2"),
        (lambda b: b[:-5], r"truncated IDX payload: .* need 60 bytes .* only 55"),
        (lambda b: b + b"\x00\x00\x07", r"3 unexpected trailing byte"),
        (lambda b: b[:10], r"truncated IDX header"),
        (lambda b: b[:2], r"too short for an IDX header"),
    ],
)
def test_read_idx_corruptions(tmp_path, gz, mutate, pattern):
    good = _idx_bytes(np.ones((3, 4, 5)))
    path = _write(tmp_path / "bad-images", mutate(good), gz=gz)
    with pytest.raises(ValueError, match=pattern) as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize(
    ("magic", "dims", "payload"),
    [
        # a label file whose magic number claims 3-D (as an image file's): the next 8 payload
        # bytes become rows and cols, and the header claims ~10^17 bytes (review item 3)
        (bytes([0, 0, 8, 3]), (60,), bytes(range(10)) * 6),
        # a plausible-looking header claiming 900 MB over a 1000-byte payload
        (bytes([0, 0, 8, 3]), (10_000, 300, 300), bytes(1000)),
    ],
    ids=["labels-claiming-3-d", "plausible-900MB-header"],
)
def test_read_idx_never_allocates_from_a_corrupt_header(tmp_path, gz, magic, dims, payload):
    path = _write(
        tmp_path / "corrupt", magic + struct.pack(f">{len(dims)}I", *dims) + payload, gz=gz
    )
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"truncated IDX payload: dims .* need \d+ bytes") as e:
            read_idx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000  # NumPy reports its buffers to tracemalloc: no header-sized one
    msg = str(e.value)
    assert msg.startswith(str(path))
    assert "implausible dims" in msg
    assert "\n" not in msg


def test_load_mnist_checks_28x28_images_and_1d_labels(tmp_path):
    """Review item 11: a 27×28 file failed later with "X_test has 784 features ... 756"."""
    _fake_mnist(tmp_path)
    bad = tmp_path / "train-images-idx3-ubyte.gz"
    _write(bad, _idx_bytes(np.zeros((12, 27, 28))), gz=True)
    with pytest.raises(
        ValueError, match=r"MNIST images are 28×28 pixels.* holds 27×28 images"
    ) as e:
        load_mnist(tmp_path)
    assert str(e.value).startswith(str(bad))
    _fake_mnist(tmp_path)
    labels = tmp_path / "train-labels-idx1-ubyte.gz"
    _write(labels, _idx_bytes(np.zeros((12, 28, 28))), gz=True)  # an image file as labels
    with pytest.raises(ValueError, match=r"expected 1-D labels .* dims \(12, 28, 28\)") as e:
        load_mnist(tmp_path)
    assert str(e.value).startswith(str(labels))


def test_read_idx_broken_gzip_and_missing(tmp_path):
    blob = gzip.compress(_idx_bytes(np.arange(1000) % 256))
    path = tmp_path / "cut.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match=r"cut\.gz.*gzip"):
        read_idx(path)
    with pytest.raises(FileNotFoundError, match=r"nope-idx1-ubyte\.gz"):
        read_idx(tmp_path / "nope-idx1-ubyte.gz")


def _fake_mnist(folder, m_train=12, m_test=5, *, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train_images": rng.integers(0, 256, size=(m_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, size=m_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, size=(m_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, size=m_test, dtype=np.uint8),
    }
    for key, name in data.MNIST_FILES.items():
        fname = name if gz else name.removesuffix(".gz")
        _write(folder / fname, _idx_bytes(arrays[key]), gz=gz)
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_synthetic(tmp_path, gz):
    arrays = _fake_mnist(tmp_path / "mnist", gz=gz)
    for where in (tmp_path, tmp_path / "mnist"):  # the folder or its parent
        ds = load_mnist(where)
        assert ds.X_train.shape == (784, 12)
        assert ds.X_test.shape == (784, 5)
        assert ds.X_train.dtype == np.float64
        assert ds.X_train.flags.f_contiguous  # each example is a contiguous column
        np.testing.assert_array_equal(
            ds.X_train[:, 3], arrays["train_images"][3].reshape(-1) / 255.0
        )
        np.testing.assert_array_equal(ds.y_train, arrays["train_labels"])
        assert ds.y_train.dtype == np.int64
        assert ds.n_classes == 10
        assert ds.target_names == [str(k) for k in range(10)]
        assert ds.X_test.min() >= 0.0
        assert ds.X_test.max() <= 1.0


def test_load_mnist_float32_one_hot(tmp_path):
    arrays = _fake_mnist(tmp_path)
    ds = load_mnist(tmp_path, dtype="float32", one_hot=True)
    assert ds.X_train.dtype == np.float32
    assert ds.y_train.shape == (10, 12)
    assert ds.y_train.dtype == np.float32
    np.testing.assert_array_equal(ds.y_train.argmax(axis=0), arrays["train_labels"])
    np.testing.assert_array_equal(ds.y_train.sum(axis=0), 1)


def test_load_mnist_errors(tmp_path):
    _fake_mnist(tmp_path)
    with pytest.raises(ValueError, match=r"nielsen.*last 10000.*only 12"):
        load_mnist(tmp_path, split="nielsen")
    with pytest.raises(ValueError, match="split"):
        load_mnist(tmp_path, split="random")
    # label/image count mismatch
    _write(tmp_path / "t10k-labels-idx1-ubyte.gz", _idx_bytes(np.zeros(4, dtype=np.uint8)), gz=True)
    with pytest.raises(ValueError, match=r"test image and label counts differ: .*5 images.*4"):
        load_mnist(tmp_path)
    # labels stored as 3-D
    _write(tmp_path / "t10k-labels-idx1-ubyte.gz", _idx_bytes(np.zeros((5, 1, 1))), gz=True)
    with pytest.raises(ValueError, match="expected 1-D labels"):
        load_mnist(tmp_path)
    # a missing file: named, with the folder
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"t10k-labels-idx1-ubyte\.gz not found in") as e:
        load_mnist(tmp_path)
    assert str(tmp_path) in str(e.value)
    empty = tmp_path / "empty"
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte\.gz.*does not exist"):
        load_mnist(empty)


def test_load_mnist_default_dir_from_env(monkeypatch, tmp_path):
    _fake_mnist(tmp_path / "mnist", m_train=3, m_test=2)
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    assert load_mnist().X_train.shape == (784, 3)
    ds = load_dataset("mnist", val_size=1 / 3)
    assert (ds.m_train, ds.m_val, ds.m_test) == (2, 1, 2)


# --------------------------------------------------------------------------------------
# Cat vs non-cat on small synthetic HDF5 files
# --------------------------------------------------------------------------------------


def _fake_cat(folder, m_train=6, m_test=4, *, classes_in_train=True):
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for part, m in (("train", m_train), ("test", m_test)):
        x = rng.integers(0, 256, size=(m, 64, 64, 3), dtype=np.uint8)
        y = (np.arange(m) % 2).astype(np.int64)
        with h5py.File(folder / f"{part}_catvnoncat.h5", "w") as f:
            f[f"{part}_set_x"] = x
            f[f"{part}_set_y"] = y
            if part == "test" or classes_in_train:
                f["list_classes"] = np.array([b"non-cat", b"cat"], dtype="S7")
        out[part] = (x, y)
    return out


def test_load_catvnoncat_synthetic(tmp_path):
    arrays = _fake_cat(tmp_path / "catvnoncat", classes_in_train=False)
    for where in (tmp_path, tmp_path / "catvnoncat"):
        train_x, train_y, test_x, test_y, classes = load_catvnoncat(where)
        assert train_x.shape == (6, 64, 64, 3)
        assert train_x.dtype == np.uint8
        assert train_y.shape == (1, 6)
        assert train_y.dtype == np.int64
        assert test_y.shape == (1, 4)
        np.testing.assert_array_equal(test_x, arrays["test"][0])
        assert classes.tolist() == [b"non-cat", b"cat"]


def test_load_catvnoncat_missing_and_corrupt(tmp_path):
    _fake_cat(tmp_path)
    (tmp_path / "test_catvnoncat.h5").unlink()
    with pytest.raises(FileNotFoundError, match=r"test_catvnoncat\.h5 not found in") as e:
        load_catvnoncat(tmp_path)
    assert str(tmp_path) in str(e.value)
    _fake_cat(tmp_path)
    (tmp_path / "train_catvnoncat.h5").write_bytes(b"\x89HDF garbage, not an HDF5 file")
    with pytest.raises(ValueError, match=r"train_catvnoncat\.h5 is not a readable HDF5 file"):
        load_catvnoncat(tmp_path)
    with h5py.File(tmp_path / "train_catvnoncat.h5", "w") as f:
        f["pixels"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"train_catvnoncat\.h5 has no dataset 'train_set_x'"):
        load_catvnoncat(tmp_path)


def test_load_dataset_cat_synthetic(tmp_path):
    arrays = _fake_cat(tmp_path)
    ds = load_dataset("cat", data_dir=tmp_path, dtype="float32")
    assert ds.X_train.shape == (12288, 6)
    assert ds.X_train.dtype == np.float32
    assert ds.task == "binary"
    assert ds.target_names == ["non-cat", "cat"]
    np.testing.assert_allclose(ds.X_test[:, 1], arrays["test"][0][1].reshape(-1) / 255.0)
    np.testing.assert_array_equal(ds.y_train, arrays["train"][1])


def test_flatten_images_is_the_course_formula():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(3, 2, 2, 3), dtype=np.uint8)
    flat = flatten_images(x)
    assert flat.shape == (12, 3)
    assert flat.dtype == np.float64
    np.testing.assert_array_equal(flat, x.reshape(x.shape[0], -1).T / 255.0)
    # column j is image j in C order: row, then column, then channel
    np.testing.assert_array_equal(flat[:, 1], [v / 255.0 for v in x[1].ravel(order="C")])
    assert flat.flags.f_contiguous
    with pytest.raises(ValueError, match="one image per row"):
        flatten_images(np.zeros(5))


# --------------------------------------------------------------------------------------
# one_hot
# --------------------------------------------------------------------------------------


def test_one_hot_values():
    Y = one_hot([2, 0, 1, 2])
    expected = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]], dtype=float)
    np.testing.assert_array_equal(Y, expected)
    assert Y.dtype == np.float64
    np.testing.assert_array_equal(one_hot(np.array([[2, 0, 1, 2]])), expected)  # (1, m)
    np.testing.assert_array_equal(one_hot(np.array([2.0, 0.0, 1.0, 2.0])), expected)
    Y5 = one_hot([1, 1], n_classes=5, dtype="float32")
    assert Y5.shape == (5, 2)
    assert Y5.dtype == np.float32
    assert one_hot([], n_classes=3).shape == (3, 0)


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"non-integer values: 0\.5"):
        one_hot([0, 0.5, 1])
    with pytest.raises(ValueError, match=r"negative class labels: -1"):
        one_hot([0, -1, 1])
    with pytest.raises(ValueError, match=r"labels >= n_classes=3: 3, 7"):
        one_hot([0, 3, 7, 1], n_classes=3)
    with pytest.raises(ValueError, match=r"shape \(m,\) or \(1, m\)"):
        one_hot(np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match="non-integer"):
        one_hot([np.nan, 1.0])
    with pytest.raises(ValueError, match="pass n_classes"):
        one_hot([])


# --------------------------------------------------------------------------------------
# Scalers
# --------------------------------------------------------------------------------------


def test_standardizer_hand_computed():
    X = np.array([[1.0, 2.0, 3.0], [4.0, 4.0, 4.0]])
    s = Standardizer().fit(X)
    np.testing.assert_allclose(s.mean_, [[2.0], [4.0]])
    np.testing.assert_allclose(s.std_, [[math.sqrt(2 / 3)], [0.0]])
    np.testing.assert_allclose(s.scale_, [[math.sqrt(2 / 3)], [1.0]])
    Z = s.transform(X)
    r = 1 / math.sqrt(2 / 3)
    np.testing.assert_allclose(Z, [[-r, 0.0, r], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(s.transform([[5.0], [6.0]]), [[3 * r], [2.0]])
    np.testing.assert_allclose(s.inverse_transform(Z), X)


def test_minmax_hand_computed():
    X = np.array([[1.0, 2.0, 3.0], [5.0, 7.0, 9.0], [2.0, 2.0, 2.0]])
    s = MinMaxScaler()
    Z = s.fit_transform(X)
    np.testing.assert_allclose(Z, [[0, 0.5, 1], [0, 0.5, 1], [0, 0, 0]])
    np.testing.assert_allclose(s.transform([[5.0], [1.0], [3.0]]), [[2.0], [-1.0], [1.0]])
    np.testing.assert_allclose(s.inverse_transform(Z), X)


@pytest.mark.parametrize("cls", [Standardizer, MinMaxScaler])
def test_scalers_keep_dtype_and_check_use(cls):
    X32 = np.random.default_rng(0).normal(size=(4, 9)).astype(np.float32)
    s = cls()
    with pytest.raises(RuntimeError, match="not fitted yet"):
        s.transform(X32)
    with pytest.raises(RuntimeError, match="not fitted yet"):
        s.inverse_transform(X32)
    Z = s.fit_transform(X32)
    assert Z.dtype == np.float32
    assert s.inverse_transform(Z).dtype == np.float32
    assert s.transform(X32.astype(np.float64)).dtype == np.float64
    with pytest.raises(ValueError, match=r"fitted on 4 features .* shape \(3, 9\)"):
        s.transform(X32[:3])
    with pytest.raises(ValueError, match="looks transposed"):
        s.transform(np.zeros((9, 4)))
    with pytest.raises(ValueError, match="NaN"):
        s.fit(np.array([[1.0, np.nan]]))
    assert "n_features=4" in repr(s)


def test_standardizer_constant_float32_row_is_zero_not_noise():
    X = np.full((1, 1000), 0.1, dtype=np.float32)
    Z = Standardizer().fit_transform(X)
    np.testing.assert_array_equal(Z, 0)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 5),
    m=st.integers(1, 20),
    seed=st.integers(0, 2**31),
    use_minmax=st.booleans(),
)
def test_scaler_round_trip_property(n, m, seed, use_minmax):
    rng = np.random.default_rng(seed)
    X = rng.normal(scale=rng.uniform(0.1, 100), size=(n, m)) + rng.normal(size=(n, 1)) * 10
    s = MinMaxScaler() if use_minmax else Standardizer()
    Z = s.fit_transform(X)
    assert np.isfinite(Z).all()
    np.testing.assert_allclose(s.inverse_transform(Z), X, rtol=1e-9, atol=1e-9)


# --------------------------------------------------------------------------------------
# train_val_test_split
# --------------------------------------------------------------------------------------


def test_split_sizes_disjoint_and_complete():
    m = 103
    X = np.vstack([np.arange(m), np.arange(m) * 10])  # column i carries its index
    y = np.arange(m) % 4
    Xtr, ytr, Xva, yva, Xte, yte = train_val_test_split(X, y, val_size=0.15, test_size=0.2)
    assert Xte.shape == (2, math.ceil(0.2 * m))
    assert Xva.shape == (2, math.ceil(0.15 * m))
    assert Xtr.shape == (2, m - Xte.shape[1] - Xva.shape[1])
    idx = np.concatenate([Xtr[0], Xva[0], Xte[0]])
    assert sorted(idx.tolist()) == list(range(m))  # disjoint and covering
    for Xp, yp in ((Xtr, ytr), (Xva, yva), (Xte, yte)):
        np.testing.assert_array_equal(yp, Xp[0] % 4)  # labels travel with their columns
        np.testing.assert_array_equal(Xp[1], Xp[0] * 10)


def test_split_stratified_proportions():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.arange(100)[None, :]
    _, ytr, _, yva, _, yte = train_val_test_split(X, y, val_size=0.2, test_size=0.3, seed=5)
    assert np.bincount(yte).tolist() == [18, 9, 3]
    assert np.bincount(yva).tolist() == [12, 6, 2]
    assert np.bincount(ytr).tolist() == [30, 15, 5]
    # (1, m) integer labels are stratified too and keep their layout
    _, ytr2, _, _, _, yte2 = train_val_test_split(X, y[None, :], test_size=0.3, seed=5)
    assert ytr2.shape == (1, 70)
    assert np.bincount(yte2[0]).tolist() == [18, 9, 3]


def test_split_seeds_and_multioutput():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 40))
    Y = rng.normal(size=(2, 40))  # (k, m) float targets: plain shuffle
    a = train_val_test_split(X, Y, seed=1)
    b = train_val_test_split(X, Y, seed=1)
    c = train_val_test_split(X, Y, seed=2)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])
    _, Ytr, Xva, Yva, Xte, Yte = a
    assert Ytr.shape == (2, 32)
    assert Yva.shape == (2, 0)
    assert Xva.shape == (3, 0)
    # rows of Y follow their columns of X
    col = {tuple(x): tuple(yy) for x, yy in zip(X.T, Y.T, strict=True)}
    assert all(col[tuple(x)] == tuple(yy) for x, yy in zip(Xte.T, Yte.T, strict=True))


def test_split_errors():
    X = np.zeros((2, 10))
    with pytest.raises(ValueError, match=r"X has shape \(2, 10\).*y has shape \(9,\)"):
        train_val_test_split(X, np.zeros(9))
    with pytest.raises(ValueError, match="test_size must be in"):
        train_val_test_split(X, np.zeros(10), test_size=1.0)
    with pytest.raises(ValueError, match="val_size must be in"):
        train_val_test_split(X, np.zeros(10), val_size=-0.1)
    with pytest.raises(ValueError, match="leave no training example"):
        train_val_test_split(X, np.zeros(10), val_size=0.5, test_size=0.5)
    with pytest.raises(ValueError, match="2-D"):
        train_val_test_split(np.zeros(10), np.zeros(10))


@settings(max_examples=50, deadline=None)
@given(
    m=st.integers(2, 60),
    n_classes=st.integers(1, 5),
    val=st.sampled_from([0.0, 0.1, 0.25]),
    test=st.sampled_from([0.0, 0.2, 0.3]),
    seed=st.integers(0, 1000),
)
def test_split_property(m, n_classes, val, test, seed):
    y = np.random.default_rng(seed).integers(0, n_classes, size=m)
    X = np.arange(m)[None, :]
    n_test, n_val = math.ceil(test * m), math.ceil(val * m)
    if m - n_test - n_val < 1:
        with pytest.raises(ValueError, match="no training example"):
            train_val_test_split(X, y, val_size=val, test_size=test, seed=seed)
        return
    Xtr, _, Xva, yva, Xte, yte = train_val_test_split(X, y, val_size=val, test_size=test, seed=seed)
    assert (Xte.shape[1], Xva.shape[1]) == (n_test, n_val)
    assert sorted(np.concatenate([Xtr[0], Xva[0], Xte[0]]).tolist()) == list(range(m))
    for Xp, yp in ((Xte, yte), (Xva, yva)):
        np.testing.assert_array_equal(yp, y[Xp[0]])
        for c in range(n_classes):
            # largest-remainder rounding: within one example of the exact share
            exact = (y == c).sum() * Xp.shape[1] / m
            assert abs((yp == c).sum() - exact) < 1 + 1e-9


# --------------------------------------------------------------------------------------
# Dataset
# --------------------------------------------------------------------------------------


def test_dataset_properties_and_validation():
    ds = Dataset(
        X_train=np.zeros((3, 5)),
        y_train=np.array([0, 1, 2, 1, 0]),
        X_test=np.zeros((3, 2)),
        y_test=np.array([3, 0]),
        feature_names=None,
        target_names=None,
        task="multiclass",
        name="toy",
    )
    assert ds.n_features == 3
    assert ds.n_classes == 4
    assert ds.summary() == (
        "toy: multiclass (4 classes), 3 features, train 5 / val 0 / test 2, float64"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.name = "other"  # type: ignore[misc]
    with pytest.raises(ValueError, match=r"X_test has 4 features .* X_train has 3"):
        dataclasses.replace(ds, X_test=np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"y_train must have shape .* X_train \(3, 5\)"):
        dataclasses.replace(ds, y_train=np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="valid names are"):
        dataclasses.replace(ds, task="ranking")
    with pytest.raises(ValueError, match="together"):
        dataclasses.replace(ds, X_val=np.zeros((3, 1)))


# --------------------------------------------------------------------------------------
# Real data (skipped when ../shared/data or $CHAINRULE_DATA is absent)
# --------------------------------------------------------------------------------------


@pytest.mark.data("catvnoncat")
def test_real_catvnoncat(data_dir):
    train_x, train_y, test_x, test_y, classes = load_catvnoncat(data_dir / "catvnoncat")
    assert train_x.shape == (209, 64, 64, 3)
    assert train_x.dtype == np.uint8
    assert train_y.shape == (1, 209)
    assert train_y.dtype == np.int64
    assert test_x.shape == (50, 64, 64, 3)
    assert test_y.shape == (1, 50)
    assert int(train_y.sum()) == 72
    assert int(test_y.sum()) == 33
    assert classes.tolist() == [b"non-cat", b"cat"]
    assert classes.shape == (2,)
    ds = load_dataset("catvnoncat", data_dir=data_dir)
    assert ds.X_train.shape == (12288, 209)
    assert ds.X_test.shape == (12288, 50)
    np.testing.assert_array_equal(ds.X_train, flatten_images(train_x))
    assert ds.X_train.min() >= 0.0
    assert ds.X_train.max() <= 1.0


@pytest.fixture(scope="module")
def real_mnist():
    root = default_data_dir() / "mnist"
    if not root.is_dir():
        pytest.skip(f"MNIST not found at {root}; set {DATA_ENV_VAR} to the folder holding mnist/")
    return load_mnist(root)


@pytest.mark.data("mnist")
def test_real_mnist(data_dir, real_mnist):
    ds = real_mnist
    assert ds.X_train.shape == (784, 60000)
    assert ds.X_test.shape == (784, 10000)
    assert ds.X_train.flags.f_contiguous
    assert ds.y_train.dtype == np.int64
    assert ds.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert ds.y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(ds.y_train).tolist() == [
        5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
    ]  # fmt: skip
    assert np.bincount(ds.y_test).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]
    assert ds.X_train.mean() == pytest.approx(33.318 / 255, abs=1e-5)
    assert ds.X_test.mean() == pytest.approx(33.791 / 255, abs=1e-5)
    assert ds.X_train.min() == 0.0
    assert ds.X_train.max() == 1.0


@pytest.mark.data("mnist")
def test_real_mnist_nielsen(data_dir, real_mnist):
    ds = load_mnist(data_dir, split="nielsen", dtype="float32")
    assert ds.name == "mnist-nielsen"
    assert (ds.m_train, ds.m_val, ds.m_test) == (50000, 10000, 10000)
    assert ds.X_train.dtype == np.float32
    np.testing.assert_array_equal(ds.y_train, real_mnist.y_train[:50000])
    np.testing.assert_array_equal(ds.y_val, real_mnist.y_train[50000:])
    np.testing.assert_array_equal(
        ds.X_val[:, :5], real_mnist.X_train[:, 50000:50005].astype(np.float32)
    )


def test_apply_preprocessing_by_hand():
    """Each stored kind applied as its formula says, in the dtype asked for."""
    from numpy.testing import assert_allclose, assert_array_equal

    from chainrule.data import apply_preprocessing, scaler_from_metadata

    X = np.array([[1.0, 3.0, 5.0], [10.0, 20.0, 60.0]])  # (n[0] = 2, m = 3)
    std = {"kind": "standard", "mean": [3.0, 30.0], "std": [2.0, 10.0]}
    assert_allclose(apply_preprocessing(X, std), [[-1.0, 0.0, 1.0], [-2.0, -1.0, 3.0]])
    mm = {"kind": "minmax", "min": [1.0, 10.0], "range": [4.0, 50.0]}
    assert_allclose(apply_preprocessing(X, mm), [[0.0, 0.5, 1.0], [0.0, 0.2, 1.0]])
    out = apply_preprocessing(X, {"kind": "divide", "by": 5.0}, "float32")
    assert out.dtype == np.float32
    assert_allclose(out, X / 5.0)
    assert_array_equal(apply_preprocessing(X, None), X)
    assert_array_equal(apply_preprocessing(X, {"kind": "none"}), X)
    assert scaler_from_metadata({"kind": "none"}) is None
    # a fitted Standardizer's statistics, stored and rebuilt, transform the same way
    Z = np.random.default_rng(0).normal(3.0, 2.0, size=(4, 50))
    fitted = Standardizer().fit(Z)
    meta = {"kind": "standard", "mean": fitted.mean_.ravel().tolist(),
            "std": fitted.std_.ravel().tolist()}  # fmt: skip
    assert_allclose(apply_preprocessing(Z, meta), fitted.transform(Z), rtol=1e-15)


@pytest.mark.parametrize(
    ("pre", "says"),
    [
        ({"kind": "Standard", "mean": [0.0], "std": [1.0]}, "kind must be"),
        ({"kind": "standard", "mean": [0.0]}, "missing ['std']"),
        ({"kind": "standard", "mean": [0.0, 1.0], "std": [1.0]}, "equal length"),
        ({"kind": "minmax", "min": [0.0], "range": [0.0]}, "'range' must be > 0"),
        ({"kind": "divide"}, "'by' > 0"),
        ({"kind": "divide", "by": -1.0}, "'by' > 0"),
    ],
)
def test_apply_preprocessing_refuses_bad_statistics(pre, says):
    from chainrule.data import apply_preprocessing

    with pytest.raises(ValueError, match=re.escape(says)):
        apply_preprocessing(np.ones((1, 3)), pre)
