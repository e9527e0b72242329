"""Hostile files and odd data (issue #12): bounded memory, one clear line, nothing overwritten.

Each test here failed on the code before the fix: a small model file that made
``chainrule.load`` allocate hundreds of MB, tracebacks reaching the user, NumPy's
warnings leaking, wrong output with exit code 0, a run that overwrote its own input,
and interrupted runs that left nothing behind.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import chainrule
from _clihelpers import one_error_line, run_cli
from chainrule import ModelFileError, Network
from chainrule.cli import main

META = "__chainrule__"
SRC = str(Path(chainrule.__file__).resolve().parent.parent)


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = SRC + os.pathsep + e.get("PYTHONPATH", "")
    e["OPENBLAS_NUM_THREADS"] = e["OMP_NUM_THREADS"] = "1"
    e.pop("CHAINRULE_DEBUG", None)
    return e


# -- 1. a small file cannot make load() allocate much ---------------------------------------------


def small_model_meta(tmp_path: Path) -> dict:
    net = Network([4, 3, 2], output="softmax", loss="cce", seed=0)
    path = net.save(tmp_path / "small.npz", dataset="toy")
    with np.load(path, allow_pickle=False) as z:
        return json.loads(str(z[META]))


def write_member(
    zf: zipfile.ZipFile, name: str, shape: tuple[int, ...], dtype: str = "<f8", fill=None
) -> None:
    """An .npy member of ``shape`` (zeros, streamed and deflated: tiny in the archive)."""
    with zf.open(name + ".npy", "w", force_zip64=True) as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": dtype, "fortran_order": False, "shape": shape}
        )
        if fill is not None:
            f.write(fill)
            return
        n = int(np.prod(shape)) * np.dtype(dtype).itemsize
        chunk = bytes(2**20)
        while n > 0:
            f.write(chunk[: min(n, len(chunk))])
            n -= len(chunk)


def write_model(path: Path, meta: dict, members: dict[str, tuple[int, ...]], extra=()) -> Path:
    text = json.dumps(meta)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        write_member(zf, META, (), f"<U{max(len(text), 1)}", np.array(text).tobytes())
        for name, shape in members.items():
            write_member(zf, name, shape)
        for name, shape in extra:
            write_member(zf, name, shape)
    return path


def load_under_memory_limit(path: Path, headroom_mb: int = 96) -> tuple[str, int]:
    """Load ``path`` in a subprocess whose address space may grow by ``headroom_mb`` only.

    Returns (what happened: 'loaded', 'ModelFileError: ...' or 'MemoryError', growth of
    the peak RSS in MB).
    """
    code = textwrap.dedent(
        f"""
        import resource, sys
        import chainrule, numpy
        def vm():
            for line in open("/proc/self/status"):
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        limit = vm() + {headroom_mb} * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            chainrule.load({str(path)!r})
            what = "loaded"
        except chainrule.ModelFileError as exc:
            what = "ModelFileError: " + str(exc)
        except MemoryError:
            what = "MemoryError"
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024
        print(what)
        print(grown)
        """
    )
    p = subprocess.run(
        [sys.executable, "-c", code], env=env(), capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 0, p.stderr
    what, grown = p.stdout.strip().rsplit("\n", 1)
    return what, int(grown)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_hostile_sizes_are_refused_before_anything_is_inflated(tmp_path) -> None:
    meta = small_model_meta(tmp_path)
    # a W1 of 4096 x 4096 (128 MiB) in a file of a few hundred KB, which the metadata
    # describes consistently: refused from the zip directory, before inflating
    big = dict(meta, config=dict(meta["config"], layer_dims=[4096, 4096, 2]))
    shapes = {"W1": (4096, 4096), "b1": (4096, 1), "W2": (2, 4096), "b2": (2, 1)}
    f1 = write_model(tmp_path / "big.npz", big, shapes)
    # an extra 128 MiB member of zeros beside a valid small model
    small = {"W1": (3, 4), "b1": (3, 1), "W2": (2, 3), "b2": (2, 1)}
    f2 = write_model(tmp_path / "extra.npz", meta, small, extra=[("junk", (4096, 4096))])
    # 24 Mi characters of JSON metadata (96 MiB as NumPy stores it)
    chatty = dict(meta, metadata={"dataset": "toy", "note": "x" * (24 * 2**20)})
    f3 = write_model(tmp_path / "chatty.npz", chatty, small)
    for f, match in ((f1, "inflate"), (f2, "junk"), (f3, "metadata")):
        assert f.stat().st_size < 2 * 2**20
        what, grown = load_under_memory_limit(f)
        assert what.startswith("ModelFileError: "), (f.name, what)
        assert match in what, what
        assert grown < 48, (f.name, grown)


def test_unknown_and_duplicate_members_are_refused(tmp_path) -> None:
    meta = small_model_meta(tmp_path)
    small = {"W1": (3, 4), "b1": (3, 1), "W2": (2, 3), "b2": (2, 1)}
    assert chainrule.load(write_model(tmp_path / "ok.npz", meta, small)).layer_dims == [4, 3, 2]
    with pytest.raises(ModelFileError, match=r"unknown archive member 'notes\.npy'"):
        chainrule.load(write_model(tmp_path / "x.npz", meta, small, extra=[("notes", (2,))]))
    dup = write_model(tmp_path / "dup.npz", meta, small)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(dup, "a") as zf:
        write_member(zf, "W1", (3, 4))
    with pytest.raises(ModelFileError, match=r"'W1\.npy' twice"):
        chainrule.load(dup)


def test_a_header_that_lies_about_its_size_is_refused(tmp_path) -> None:
    meta = small_model_meta(tmp_path)
    small = {"W1": (3, 4), "b1": (3, 1), "W2": (2, 3), "b2": (2, 1)}
    path = tmp_path / "lie.npz"
    with zipfile.ZipFile(path, "w") as zf:
        text = json.dumps(meta)
        write_member(zf, META, (), f"<U{len(text)}", np.array(text).tobytes())
        for name, shape in small.items():
            # the header claims the right shape, the member holds 8 bytes too few
            n = int(np.prod(shape)) * 8 - 8
            write_member(zf, name, shape, fill=bytes(n))
    with pytest.raises(ModelFileError, match="header describes"):
        chainrule.load(path)


# -- 2. one line on stderr and exit code 1 or 2, for every exception class ------------------------

SMALL_IRIS = ["--dataset", "iris", "--hidden-layers", "8", "--epochs", "3", "--no-progress"]


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("iris") / "run"
    assert main(["train", *SMALL_IRIS, "--no-plot", "--quiet", "--out", str(out)]) == 0
    return out / "model.npz"


def rows_csv(path: Path, X: np.ndarray, labels=None, header=None) -> Path:
    lines = [header] if header else []
    for i, row in enumerate(X):
        cells = [repr(float(v)) for v in row] + ([str(labels[i])] if labels is not None else [])
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("task", [[], ["--task", "multiclass"]])
def test_labels_of_one_class_are_refused_before_training(capsys, tmp_path, task) -> None:
    X = np.random.default_rng(0).standard_normal((40, 3))
    data = rows_csv(tmp_path / "one.csv", X, labels=["7"] * 40, header="a,b,c,label")
    out = tmp_path / "run"
    rc, _, err = run_cli(capsys, "train", "--dataset", str(data), *task, "--epochs", "2",
                         "--no-progress", "--out", str(out))  # fmt: skip
    assert rc == 1
    line = one_error_line(err, "train")
    assert "'7'" in line
    assert "two classes" in line
    assert not out.exists()


def test_huge_layers_are_a_value_error_naming_layer_dims(capsys) -> None:
    with pytest.raises(ValueError, match=r"layer_dims \[4, 1000000000000, 1\] gives"):
        Network([4, 10**12, 1])
    rc, _, err = run_cli(capsys, "train", *SMALL_IRIS, "--hidden-layers", "1000000000000")
    assert rc == 2
    assert "layer_dims" in one_error_line(err, "train")
    rc, _, err = run_cli(capsys, "explain", "--layers", "4,1000000000000,1")
    assert rc == 2
    assert "layer_dims" in one_error_line(err, "explain")


def _edit_metadata(src: Path, dst: Path, **changes) -> Path:
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays[META]))
    meta["metadata"].update(changes)
    arrays[META] = np.array(json.dumps(meta))
    with open(dst, "wb") as f:
        np.savez(f, **arrays)
    return dst


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("class_names", ["setosa"]),
        ("class_names", "setosa"),
        ("split", "seed 0"),
        ("split", {"seed": "0", "test_fraction": 0.2, "val_fraction": 0.1}),
        ("preprocessing", {"kind": "standard", "mean": [0.0], "std": [1.0]}),
        ("target_scaling", {"mean": "x"}),
        ("task", 3),
        ("dataset", ["iris"]),
    ],
)
def test_hand_edited_metadata_is_refused_naming_the_file_and_field(
    capsys, iris_model, tmp_path, field, value
) -> None:
    bad = _edit_metadata(iris_model, tmp_path / "edited.npz", **{field: value})
    with pytest.raises(ModelFileError, match=rf"edited\.npz: invalid metadata field '{field}'"):
        chainrule.load(bad)
    x = rows_csv(tmp_path / "x.csv", np.ones((2, 4)))
    for argv in (["predict", str(bad), str(x)], ["evaluate", str(bad)]):
        rc, _, err = run_cli(capsys, *argv)
        assert rc == 1
        line = one_error_line(err, argv[0])
        assert "edited.npz" in line
        assert field in line


@pytest.mark.parametrize("error", [IndexError("list index out of range"), KeyError("x"),
                                   AttributeError("'str' object has no attribute 'get'"),
                                   MemoryError(), RuntimeError("boom\nsecond line")])  # fmt: skip
def test_any_unexpected_exception_is_one_line_and_exit_1(
    capsys, monkeypatch, iris_model, tmp_path, error
) -> None:
    import chainrule.cli.predict as cli_predict

    def fail(args):
        raise error

    monkeypatch.setattr(cli_predict, "run_predict", fail)
    monkeypatch.delenv("CHAINRULE_DEBUG", raising=False)
    rc, _, err = run_cli(capsys, "predict", str(iris_model), str(tmp_path / "x.csv"))
    assert rc == 1
    line = one_error_line(err, "predict")
    assert (type(error).__name__ in line) or ("memory" in line)


# -- 5. a run never destroys its own input ------------------------------------------------------


def test_train_refuses_an_out_folder_whose_files_are_its_input(capsys, tmp_path) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    folder = tmp_path / "D"
    folder.mkdir()
    data = folder / "model.npz"
    np.savez(data, X=X, y=(X[:, 0] > 0).astype(int))
    before = data.read_bytes()
    os.link(data, folder / "hard.npz")  # another name for the same inode
    (tmp_path / "link").symlink_to(folder)
    for given, out in ((data, folder), (folder / "hard.npz", folder), (data, tmp_path / "link")):
        rc, _, err = run_cli(capsys, "train", "--dataset", str(given), "--out", str(out),
                             "--epochs", "2", "--no-progress")  # fmt: skip
        assert rc == 2
        line = one_error_line(err, "train")
        assert "--out" in line
        assert "--dataset" in line
        assert data.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["hard.npz", "model.npz"]


def test_predict_refuses_an_output_that_is_its_model_or_input(capsys, iris_model, tmp_path) -> None:
    x = rows_csv(tmp_path / "x.csv", np.ones((2, 4)))
    model = tmp_path / "model.npz"
    model.write_bytes(iris_model.read_bytes())
    for target in (x, model):
        before = target.read_bytes()
        rc, _, err = run_cli(capsys, "predict", str(model), str(x), "-o", str(target))
        assert rc == 2
        assert "--output" in one_error_line(err, "predict")
        assert target.read_bytes() == before


# -- 3. NumPy's warnings never leak; overflow is said once, in the user's terms ---------------


def run_quietly(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the CLI, failing if NumPy (or anything) issued a RuntimeWarning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rc, out, err = run_cli(capsys, *argv)
    leaked = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not leaked, leaked
    return rc, out, err


def labelled_csv(tmp_path: Path, name: str, big: float | None = None) -> Path:
    X = np.random.default_rng(0).standard_normal((60, 3))
    if big is not None:
        X[5, 1] = big
    return rows_csv(tmp_path / name, X, labels=(X[:, 0] > 0).astype(int), header="a,b,c,label")


@pytest.mark.parametrize(
    ("big", "options", "expected"),
    [
        (1e200, [], r"big\.csv, column 1 \('b'\): values up to 1e\+200 overflow float64 when "
                    r"standardised"),
        (1e200, ["--dtype", "float32"], r"big\.csv: the value 1e\+200 in example \(row\) 5, "
                                        r"column 1 overflows float32"),
        (1e200, ["--scale", "minmax", "--dtype", "float32"], r"overflows float32"),
    ],
)  # fmt: skip
def test_values_near_the_float_range_are_named_once(capsys, tmp_path, big, options, expected):
    data = labelled_csv(tmp_path, "big.csv", big)
    out = tmp_path / "run"
    rc, _, err = run_quietly(capsys, "train", "--dataset", str(data), *options, "--epochs", "2",
                             "--no-progress", "--out", str(out))  # fmt: skip
    assert rc == 1
    assert re.search(expected, one_error_line(err, "train"))
    assert not out.exists()


def test_unscaled_inputs_that_overflow_are_not_blamed_on_the_learning_rate(capsys, tmp_path):
    data = labelled_csv(tmp_path, "f32.csv", 3e38)  # fits float32, overflows its arithmetic
    rc, _, err = run_quietly(capsys, "train", "--dataset", str(data), "--dtype", "float32",
                             "--scale", "none", "--epochs", "2", "--no-progress", "--no-plot",
                             "--out", str(tmp_path / "run"))  # fmt: skip
    assert rc == 1
    line = one_error_line(err, "train")
    assert "float32 arithmetic overflows on these inputs (magnitudes up to 3e+38)" in line
    assert "learning rate" not in line


def test_predicting_a_row_that_overflows_the_model_dtype_names_row_and_column(capsys, tmp_path):
    data = labelled_csv(tmp_path, "good.csv")
    out = tmp_path / "run"
    rc, _, _ = run_cli(capsys, "train", "--dataset", str(data), "--dtype", "float32", "--epochs",
                       "2", "--no-progress", "--no-plot", "-q", "--out", str(out))  # fmt: skip
    assert rc == 0
    x = rows_csv(tmp_path / "x.csv", np.array([[0.5, 1.0, 2.0], [1e308, 1e308, 1e308]]))
    rc, stdout, err = run_quietly(capsys, "predict", str(out / "model.npz"), str(x))
    assert rc == 1
    assert stdout == ""
    line = one_error_line(err, "predict")
    assert "x.csv, column 0, row 1: the value 1e+308 overflows float32 after standardising" in line


def test_divergence_prints_one_line_and_no_warnings(capsys, tmp_path) -> None:
    rc, _, err = run_quietly(capsys, "train", "--dataset", "iris", "--optimizer", "sgd", "--lr",
                               "1e4", "--no-progress", "--no-plot", "-q", "--out",
                               str(tmp_path / "run"))  # fmt: skip
    assert rc == 1
    assert "training diverged in epoch" in one_error_line(err, "train")


# -- 4. no wrong output with exit code 0 ----------------------------------------------------------


def test_a_model_with_huge_finite_weights_makes_no_predictions(capsys, iris_model, tmp_path):
    with np.load(iris_model, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["W1"] = np.full_like(arrays["W1"], 1e308)
    arrays["W2"] = np.full_like(arrays["W2"], -1e308)
    huge = tmp_path / "huge.npz"
    with open(huge, "wb") as f:
        np.savez(f, **arrays)
    x = rows_csv(tmp_path / "x.csv", np.array([[5.1, 3.5, 1.4, 0.2], [6.0, 3.0, 4.8, 1.8]]))
    rc, stdout, err = run_quietly(capsys, "predict", str(huge), str(x), "--proba")
    assert rc == 1
    assert stdout == ""
    line = one_error_line(err, "predict")
    assert "huge.npz" in line
    assert "not finite" in line
    rc, stdout, err = run_quietly(capsys, "evaluate", str(huge))
    assert rc == 1
    assert "huge.npz" in one_error_line(err, "evaluate")


def metrics_rows(out: str) -> dict[str, list[str]]:
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in ("train", "validation", "test"):
            rows[parts[0]] = parts[1:]
    return rows


def test_constant_regression_target_prints_n_a_for_r2(capsys, tmp_path) -> None:
    X = np.random.default_rng(0).standard_normal((60, 3))
    data = rows_csv(tmp_path / "const.csv", X, labels=[0.1] * 60, header="a,b,c,y")
    rc, out, _ = run_quietly(capsys, "train", "--dataset", str(data), "--task", "regression",
                             "--epochs", "3", "--no-progress", "--no-plot", "-q", "--out",
                             str(tmp_path / "run"))  # fmt: skip
    assert rc == 0
    rows = metrics_rows(out)
    assert set(rows) == {"train", "validation", "test"}
    for cells in rows.values():
        assert len(cells) == 3, out  # cost, mse, r2: never run together
        assert cells[2] == "n/a", out


def test_a_cost_grown_past_any_bound_is_divergence(capsys, tmp_path) -> None:
    rc, out, err = run_quietly(capsys, "train", "--dataset", "iris", "--optimizer", "sgd", "--lr",
                               "1e6", "--no-progress", "--no-plot", "-q", "--out",
                               str(tmp_path / "run"))  # fmt: skip
    assert rc == 1
    assert "diverged" in one_error_line(err, "train")
    for cells in metrics_rows(out).values():
        assert all(len(c) <= 11 for c in cells), out
    result = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert result["diverged"] is True


# -- 6. interrupted work is kept; folders are unique and checked before training ------------------


def start_long_run(out: Path, tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    err = tmp_path / "stderr.txt"
    cmd = [sys.executable, "-m", "chainrule", "train", "--dataset", "iris", "--epochs", "1000000",
           "--progress", "--no-plot", "--out", str(out), *extra]  # fmt: skip
    with open(err, "wb") as ferr:
        proc = subprocess.Popen(cmd, env=env(), stdout=subprocess.DEVNULL, stderr=ferr)
    return proc, err


def wait_for_epochs(proc: subprocess.Popen, err: Path, n: int, timeout: float = 120) -> None:
    """Poll the progress bar on stderr until it shows ``n`` finished epochs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [int(k) for k in re.findall(r"(\d+)/1000000", err.read_text(errors="replace"))]
        if done and max(done) >= n:
            return
        assert proc.poll() is None, err.read_text()
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"no progress after {timeout} s: {err.read_text()[-500:]}")


@pytest.mark.parametrize(
    ("sig", "code", "name", "extra"),
    [
        (signal.SIGINT, 130, "SIGINT (Ctrl-C)", []),
        (signal.SIGTERM, 143, "SIGTERM", []),
        (signal.SIGINT, 130, "SIGINT (Ctrl-C)", ["--early-stopping", "--patience", "1000000"]),
    ],
)
def test_an_interrupted_run_keeps_its_finished_epochs(tmp_path, sig, code, name, extra) -> None:
    out = tmp_path / "run"
    proc, err = start_long_run(out, tmp_path, *extra)
    wait_for_epochs(proc, err, 3)
    proc.send_signal(sig)
    assert proc.wait(timeout=120) == code
    text = err.read_text(errors="replace")
    assert "Traceback" not in text
    last = text.rstrip("\n").rsplit("\n", 1)[-1]
    assert last.startswith(f"chainrule train: interrupted by {name} during epoch "), text[-400:]
    assert str(out) in last
    result = json.loads((out / "metrics.json").read_text())
    assert result["interrupted"] == name
    assert result["epochs_run"] >= 3
    net = chainrule.load(out / "model.npz")
    assert net.history is not None
    assert len(net.history.epoch) == result["epochs_run"]
    kept = result["best_epoch"] if extra else result["epochs_run"]
    assert f"kept the parameters of epoch {kept}" in last


def test_ctrl_c_during_start_up_prints_one_line(capsys, monkeypatch) -> None:
    import chainrule.cli as cli

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    try:
        rc = main(["train"])
    except KeyboardInterrupt:
        pytest.fail("the KeyboardInterrupt reached the caller (a traceback)")
    _, err = capsys.readouterr()
    assert rc == 130
    assert err == "chainrule: interrupted by SIGINT (Ctrl-C)\n"


def test_default_output_folders_are_created_unique(monkeypatch, tmp_path) -> None:
    from chainrule.cli.train import _default_out

    monkeypatch.chdir(tmp_path)
    folders = [_default_out("iris") for _ in range(3)]  # the same second, most likely
    assert len(set(folders)) == 3
    assert all(f.is_dir() and not any(f.iterdir()) for f in folders)


def test_an_unwritable_out_is_found_before_training(capsys, tmp_path) -> None:
    rc, out, err = run_cli(capsys, "train", *SMALL_IRIS, "--out", "/proc/forbidden")
    assert rc == 1
    line = one_error_line(err, "train")
    assert "--out /proc/forbidden" in line
    assert "[Errno" not in line
    assert "cost" not in out  # nothing was trained
