"""The command line speaks in options (issue 18): messages name flags, not Python arguments."""

from __future__ import annotations

import pytest

from chainrule.cli import build_parser, main
from chainrule.data import DataNotFoundError, load_mnist


@pytest.mark.parametrize("command", ["gradcheck", "explain"])
def test_a_bad_output_and_loss_pair_is_worded_in_options(command, capsys):
    code = main([command, "--layers", "4,3,1", "--output", "relu", "--loss", "bce"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--output sigmoid or softmax, not relu" in err
    assert "--loss squared_error" in err
    assert "output=" not in err
    assert "loss=" not in err


def test_a_one_unit_softmax_names_the_layers_option(capsys):
    assert main(["explain", "--layers", "4,3,1", "--output", "softmax"]) == 2
    err = capsys.readouterr().err
    assert "the last of --layers >= 2" in err
    assert "layer_dims" not in err


def test_missing_data_says_data_dir_in_python_and_data_on_the_command_line(tmp_path, capsys):
    with pytest.raises(DataNotFoundError) as e:
        load_mnist(tmp_path)
    assert "pass data_dir=DIR or set the CHAINRULE_DATA" in str(e.value)
    assert "--data" not in str(e.value)
    assert isinstance(e.value, FileNotFoundError)
    code = main(["course", "--data", str(tmp_path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
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
