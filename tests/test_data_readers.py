"""Tests for chainrule.data.read_table: a user's .csv/.npz file as a trained model reads it.

The oracle is the file's text or arrays written here: every test states the values
it expects, so a reader that drops, reorders or rescales a value fails.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule.cli import main
from chainrule.data import DataFileError, InapplicableArgumentError, load_dataset, read_table


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_header_label_last_by_default(tmp_path):
    path = write(tmp_path, "h.csv", "a,b,label\n1,2,0\n3,4.5,1\n-5,6,1\n")
    X, y = read_table(path, need_target=True)
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X, [[1, 2], [3, 4.5], [-5, 6]])
    np.testing.assert_array_equal(y, [0.0, 1.0, 1.0])


def test_csv_without_header_features_only(tmp_path):
    path = write(tmp_path, "x.csv", "# comment\n1,2,3\n\n4,5,6\n")
    X, y = read_table(str(path), need_target=False)  # a str path works too
    np.testing.assert_array_equal(X, [[1, 2, 3], [4, 5, 6]])
    assert y is None


@pytest.mark.parametrize("column", ["kind", 1, -2])
def test_csv_target_column_by_name_or_index(tmp_path, column):
    path = write(tmp_path, "mid.csv", "a,kind,b\n1,cat,10\n2,dog,20\n3,cat,30\n")
    X, y = read_table(path, column, need_target=True)
    np.testing.assert_array_equal(X, [[1, 10], [2, 20], [3, 30]])
    assert y.tolist() == ["cat", "dog", "cat"]  # class names are kept as text


def test_csv_target_column_is_dropped_without_target(tmp_path):
    """predict on a file that still holds its labels: the label column is left out."""
    path = write(tmp_path, "with_labels.csv", "a,kind,b\n1,cat,10\n2,dog,20\n")
    X, y = read_table(path, "kind", need_target=False)
    np.testing.assert_array_equal(X, [[1, 10], [2, 20]])
    assert y is None


def test_csv_target_column_errors(tmp_path):
    path = write(tmp_path, "c.csv", "a,b,y\n1,2,0\n3,4,1\n")
    with pytest.raises(DataFileError, match=r"no column named 'z'; columns are \['a', 'b', 'y'\]"):
        read_table(path, "z", need_target=True)
    with pytest.raises(ValueError, match=r"target_column=5 .* out of range for 3 columns"):
        read_table(path, 5, need_target=True)
    with pytest.raises(TypeError, match=r"target_column must be a column index or name, got 1\.5"):
        read_table(path, 1.5, need_target=True)  # type: ignore[arg-type]


def test_npz_with_X_and_y(tmp_path):
    path = tmp_path / "xy.npz"
    np.savez(path, X=np.array([[1, 2], [3, 4], [5, 6]], dtype=np.int32), y=np.array([2, 0, 1]))
    X, y = read_table(path, need_target=True)
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(y, [2, 0, 1])
    X2, y2 = read_table(path, need_target=False)  # X only; y is not read
    np.testing.assert_array_equal(X2, X)
    assert y2 is None


def test_npz_single_array_of_any_name_is_X_without_target(tmp_path):
    path = tmp_path / "one.npz"
    np.savez(path, features=np.array([[0.5, 1.5]]))
    X, _ = read_table(path, need_target=False)
    np.testing.assert_array_equal(X, [[0.5, 1.5]])


Z22 = np.zeros((2, 2))
NPZ_ERRORS = [  # (arrays in the file, need_target, what the message says)
    ({"features": Z22}, True, r"must hold arrays 'X' \(m, n\) and 'y'.*\['features'\]"),
    (
        {"a": Z22, "b": np.zeros(2)},
        False,
        r"must hold an array 'X' \(m, n\); it holds \['a', 'b'\]",
    ),
    ({"X": Z22, "y": np.zeros(3)}, True, r"X has 2 examples \(rows\) but y has 3 \(X \(2, 2\)"),
    ({"X": Z22, "y": np.float64(1.0)}, True, r"but y has a single value"),
    (
        {"X": np.array([["a", "b"]]), "y": np.zeros(1)},
        True,
        r"features must be numbers, got dtype <U1",
    ),
    ({"X": np.zeros((0, 3))}, False, r"bad\.npz: no examples"),
    ({"X": np.zeros((2, 2, 2))}, False, r"expected a 2-D array of examples as rows, got shape"),
]


@pytest.mark.parametrize(("arrays", "need_target", "says"), NPZ_ERRORS)
def test_npz_errors_name_the_file(tmp_path, arrays, need_target, says):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=says) as info:
        read_table(path, need_target=need_target)
    assert str(info.value).startswith(str(path))


def test_one_dimensional_X_is_one_example(tmp_path):
    path = tmp_path / "flat.npz"
    np.savez(path, X=np.array([1.0, 2.0, 3.0]))
    X, _ = read_table(path, need_target=False)
    assert X.shape == (1, 3)
    np.testing.assert_array_equal(X, [[1, 2, 3]])


def test_bad_suffix_and_missing_file(tmp_path):
    txt = write(tmp_path, "x.txt", "1,2\n")
    with pytest.raises(ValueError, match=r"x\.txt: unsupported file type '\.txt'; use a \.csv"):
        read_table(txt, need_target=False)
    gone = tmp_path / "gone.csv"
    with pytest.raises(FileNotFoundError, match=f"data file not found: {gone}"):
        read_table(gone, need_target=False)


def test_nan_in_X_names_the_row_and_column(tmp_path):
    path = write(tmp_path, "nan.csv", "1,2,3\n4,5,6\n7,inf,9\n")
    with pytest.raises(ValueError, match="non-finite value") as info:
        read_table(path, need_target=False)
    assert str(info.value) == f"{path}: non-finite value inf in example (row) 2, column 1"
    npz = tmp_path / "nan.npz"
    X = np.zeros((4, 3))
    X[1, 2] = np.nan
    np.savez(npz, X=X, y=np.zeros(4))
    with pytest.raises(ValueError, match=r"non-finite value nan in example \(row\) 1, column 2"):
        read_table(npz, need_target=True)


def test_nan_in_y_names_the_row(tmp_path):
    path = tmp_path / "nan_y.npz"
    np.savez(path, X=np.zeros((5, 2)), y=np.array([0.0, 1.0, 0.5, np.nan, 1.0]))
    with pytest.raises(ValueError, match="non-finite label") as info:
        read_table(path, need_target=True)
    assert str(info.value) == f"{path}: non-finite label nan in example (row) 3"
    read_table(path, need_target=False)  # labels not read: nothing to refuse


def test_target_column_with_npz_speaks_to_python_and_to_the_cli(tmp_path):
    path = tmp_path / "xy.npz"
    np.savez(path, X=np.zeros((2, 2)), y=np.zeros(2))
    with pytest.raises(InapplicableArgumentError) as info:
        read_table(path, 0, need_target=True)
    assert isinstance(info.value, ValueError)
    assert (
        str(info.value) == "target_column applies to .csv files; a .npz file has arrays 'X' and 'y'"
    )
    assert info.value.for_cli().startswith("--target-column applies to .csv files")
    with pytest.raises(ValueError, match=r"^target_column applies to \.csv files"):
        load_dataset(path, target_column=0)  # the same reader behind load_dataset


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_cli_reports_target_column_with_npz_as_a_usage_error(tmp_path, capsys, command):
    model = chainrule.save(chainrule.Network([2, 3, 1], seed=0), tmp_path / "model.npz")
    path = tmp_path / "new.npz"
    np.savez(path, X=np.zeros((2, 2)), y=np.zeros(2))
    argv = [command, str(model), str(path)] if command == "predict" else [command, str(model)]
    if command == "evaluate":
        argv += ["--dataset", str(path)]
    assert main([*argv, "--target-column", "0"]) == 2
    err = capsys.readouterr().err
    assert f"chainrule {command}: error: --target-column applies to .csv files" in err


def test_load_dataset_reads_files_with_the_same_reader(tmp_path):
    """The training path and read_table see the same numbers and labels in one CSV file."""
    rows = "".join(f"{k},{k * 0.5},{'ab'[k % 2]}\n" for k in range(10))
    path = write(tmp_path, "same.csv", "x1,x2,kind\n" + rows)
    X, y = read_table(path, need_target=True)
    ds = load_dataset(path, scale="none", test_size=0.2, seed=0)
    both = np.concatenate([ds.X_train, ds.X_test], axis=1).T
    assert sorted(map(tuple, both)) == sorted(map(tuple, X))
    assert ds.feature_names == ["x1", "x2"]
    assert ds.target_names == sorted(set(y.tolist()))
