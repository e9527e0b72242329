"""The command line speaks in options (issue 18): messages name flags, not Python arguments."""

from __future__ import annotations

import pytest

from _clihelpers import run_cli, train_ok
from chainrule.cli import build_parser, main
from chainrule.data import DataNotFoundError, load_mnist


@pytest.mark.parametrize("command", ["gradcheck", "explain"])
def test_a_bad_output_and_loss_pair_is_worded_in_options(command, capsys):
    code, _, err = run_cli(
        capsys, command, "--layers", "4,3,1", "--output", "relu", "--loss", "bce"
    )
    assert code == 2
    assert "--output sigmoid or softmax, not relu" in err
    assert "--loss squared_error" in err
    assert "output=" not in err
    assert "loss=" not in err


def test_a_one_unit_softmax_names_the_layers_option(capsys):
    code, _, err = run_cli(capsys, "explain", "--layers", "4,3,1", "--output", "softmax")
    assert code == 2
    assert "the last of --layers >= 2" in err
    assert "layer_dims" not in err


def test_missing_data_says_data_dir_in_python_and_data_on_the_command_line(tmp_path, capsys):
    with pytest.raises(DataNotFoundError) as e:
        load_mnist(tmp_path)
    assert "pass data_dir=DIR or set the CHAINRULE_DATA" in str(e.value)
    assert "--data" not in str(e.value)
    assert isinstance(e.value, FileNotFoundError)
    code, _, err = run_cli(capsys, "course", "--data", str(tmp_path), "--out", str(tmp_path / "o"))
    assert code == 1
    assert err.count("\n") == 1
    assert "train_catvnoncat.h5 not found in" in err
    assert "give --data DIR or set the CHAINRULE_DATA environment variable" in err
    assert "data_dir" not in err


def test_course_needs_no_run_name():
    args = build_parser().parse_args(["course"])
    assert args.run_name == "cat"


@pytest.mark.parametrize("command", ["gradcheck", "explain"])
def test_convention_has_help(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    block = out[out.rindex("--convention {course,cost}") :]  # the options list, not usage
    assert "where the 1/m enters" in " ".join(block.split()[:8])


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "course", "nielsen"])
def test_every_running_command_states_its_exit_codes(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "Exit codes: 0 success" in " ".join(capsys.readouterr().out.split())


# -- labels, missing values, nielsen models, numbers and line widths (items 1-3, 8) -------------


def _iris_files(tmp_path):
    from sklearn.datasets import load_iris

    d = load_iris()
    rows = list(zip(d.data.tolist(), d.target.tolist(), strict=True))
    label_first = tmp_path / "iris_str.csv"
    label_first.write_text(
        "".join(d.target_names[y] + "," + ",".join(map(str, x)) + "\n" for x, y in rows)
    )
    header = tmp_path / "iris_header.csv"
    header.write_text(
        "sepal_length,sepal_width,petal_length,petal_width,target\n"
        + "".join(",".join(map(str, x)) + f",{y}\n" for x, y in rows)
    )
    species = tmp_path / "iris_species.csv"
    species.write_text(header.read_text().replace(",target\n", ",species\n", 1))
    missing = tmp_path / "iris_na.csv"
    lines = header.read_text().splitlines()
    lines[6] = lines[6].replace(lines[6].split(",")[2], "NA", 1)
    lines[8] = ",".join(["", *lines[8].split(",")[1:]])
    missing.write_text("\n".join(lines) + "\n")
    return label_first, header, species, missing


def test_label_column_hints(tmp_path, capsys):
    label_first, header, species, _ = _iris_files(tmp_path)
    out = str(tmp_path / "o")
    code, _, err = run_cli(capsys, "train", "--dataset", str(label_first), "--out", out,
                           "--no-progress")  # fmt: skip
    assert code == 1
    assert "column 0 holds text in every row; to read it as the labels: --target-column 0" in err
    assert "target_column" not in err
    # trained with the label column named 'species'; a file whose label is 'target'
    model = str(tmp_path / "m" / "model.npz")
    argv = ["--dataset", str(species), "--target-column", "species", "--epochs", "1"]
    train_ok(capsys, tmp_path / "m", *argv, "--no-progress")
    code, _, err = run_cli(capsys, "evaluate", model, "--dataset", str(header))
    assert code == 1
    assert "no column named 'species'" in err
    assert "e.g. --target-column target" in err
    code, _, err = run_cli(capsys, "predict", model, str(header))
    assert code == 1
    assert "drop it with --target-column species (the label column the model was trained" in err
    code, _, err = run_cli(capsys, "predict", model, str(label_first))
    assert code == 1
    assert "to drop it: --target-column 0" in err


def test_label_hint_in_python_words(tmp_path):
    from chainrule.data import DataFileError, load_dataset

    label_first, *_ = _iris_files(tmp_path)
    with pytest.raises(DataFileError, match=r"to read it as the labels: target_column=0\)"):
        load_dataset(str(label_first))


def test_missing_values_say_what_to_do(tmp_path, capsys):
    *_, missing = _iris_files(tmp_path)
    code, _, err = run_cli(capsys, "train", "--dataset", str(missing), "--out", str(tmp_path / "o"))
    assert code == 1
    assert err.count("\n") == 1
    assert "line 7, column 'petal_length' (index 2): 'NA' is a missing value" in err
    assert "(2 in the feature columns)" in err
    assert "drop the incomplete rows or fill in the gaps first" in err


def test_a_nielsen_model_is_scored_on_the_mnist_test_images(tmp_path, capsys):
    import chainrule

    net = chainrule.Network([784, 3, 10], "sigmoid", "sigmoid", "mse", seed=0)
    model = tmp_path / "model.npz"
    chainrule.save(net, model, dataset="mnist-nielsen")
    code, _, err = run_cli(capsys, "evaluate", str(model), "--split", "val")
    assert code == 2
    assert "scored here on MNIST's 10,000 test images, Nielsen's test data" in err


@pytest.mark.data("mnist")
def test_a_nielsen_model_evaluates_without_naming_its_data(data_dir, tmp_path, capsys):
    import chainrule

    net = chainrule.Network([784, 3, 10], "sigmoid", "sigmoid", "mse", seed=0)
    model = tmp_path / "model.npz"
    chainrule.save(net, model, dataset="mnist-nielsen",
                   preprocessing={"kind": "divide", "by": 255.0})  # fmt: skip
    code, out, _ = run_cli(capsys, "evaluate", str(model), "--data", str(data_dir))
    assert code == 0
    assert "the 10,000 t10k test images: Nielsen's test data" in out


def test_small_costs_keep_significant_digits_and_headers_fit_80_columns(tmp_path, capsys):
    from chainrule.cli.report import fmt as _fmt

    assert _fmt(8.58e-05) == "8.580e-05"
    assert _fmt(0.2134) == "0.2134"
    assert _fmt(0.0) == "0.0000"
    assert _fmt(1.0) == "1.0000"
    assert _fmt(2.5e7) == "2.500e+07"
    code, out, _ = run_cli(capsys, "train", "--epochs", "1", "--no-progress", "--out",
                           str(tmp_path / "o"))  # fmt: skip
    assert code == 0
    head = out[: out.index("cost")]
    assert max(len(line) for line in head.splitlines()) <= 80
    for line in head.splitlines()[1:]:  # every line: a 10-column label or a continuation
        assert line[:10].strip() in ("", "data", "network", "training")
