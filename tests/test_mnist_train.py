"""The modern MNIST recipe (docs/mnist.md) on a slice of the real data.

ReLU hidden layers, softmax + categorical cross-entropy, He initialisation,
Adam, mini-batches, early stopping on a validation part: after one or two
epochs on a few thousand images, test accuracy on the full 10,000 test images
must be far above chance (10%).  The full recipe (≥ 98%) is a command in
docs/mnist.md, not a unit test.
"""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

import chainrule
from chainrule.data import default_data_dir, load_mnist

pytestmark = pytest.mark.data("mnist")


@pytest.fixture(scope="module")
def mnist():
    folder = default_data_dir() / "mnist"
    if not folder.is_dir():
        pytest.skip(
            f"real data folder 'mnist' not found at {folder}; set CHAINRULE_DATA to the folder "
            "that holds mnist/"
        )
    return load_mnist()


@pytest.mark.slow
def test_modern_recipe_short_run(mnist):
    from threadpoolctl import threadpool_limits

    ds = mnist
    m = 4000
    X, y = ds.X_train[:, :m], ds.y_train[:m]
    Xv, yv = ds.X_train[:, 50_000:51_000], ds.y_train[50_000:51_000]
    net = chainrule.Network(
        [784, 128, 64, 10], hidden="relu", output="softmax", loss="cce", init="he", seed=0
    )
    # one BLAS thread, as `chainrule train` uses for mini-batches this small
    with threadpool_limits(1, user_api="blas"):
        hist = chainrule.fit(
            net,
            X,
            y,
            epochs=2,
            batch_size=64,
            optimizer="adam",
            learning_rate=1e-3,
            validation_data=(Xv, yv),
            early_stopping=True,
            patience=3,
            progress=False,
            seed=0,
        )
    assert hist.epoch == [1, 2]
    # learning, not chance: the validation cost falls and accuracy is far above 10%
    assert hist.val_cost[1] < hist.val_cost[0]
    acc = net.accuracy(ds.X_test, ds.y_test)
    assert acc > 0.88
    # the class-index targets were one-hot encoded for the softmax output
    pred = net.predict(ds.X_test[:, :100])
    assert pred.shape == (100,)
    assert set(np.unique(pred)) <= set(range(10))


def _train_cli_available() -> bool:
    return importlib.util.find_spec("chainrule.cli.train") is not None


@pytest.mark.slow
@pytest.mark.skipif(
    not _train_cli_available(), reason="the `chainrule train` sub-command is not installed"
)
def test_train_cli_mnist(mnist, tmp_path, capsys):
    # the docs/mnist.md recipe's path, shortened: one epoch of a small MLP on all of MNIST
    from chainrule.cli import main

    out = tmp_path / "run"
    code = main(
        [
            "train",
            "--dataset",
            "mnist",
            "--hidden-layers",
            "64",
            "--optimizer",
            "adam",
            "--batch-size",
            "128",
            "--epochs",
            "1",
            "--early-stopping",
            "--dtype",
            "float32",
            "--seed",
            "0",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    for name in ("model.npz", "metrics.json", "learning_curve.png"):
        assert (out / name).is_file(), name
    net = chainrule.load(out / "model.npz")
    assert net.layer_dims == [784, 64, 10]
    assert [a.name for a in net.activations] == ["relu", "softmax"]
    assert net.loss.name == "categorical_crossentropy"
    # the saved model scores the 10,000 test images (pixels / 255, as the loader) far above chance
    acc = net.accuracy(mnist.X_test.astype(np.float32), mnist.y_test)
    assert acc > 0.9
    metrics = json.loads((out / "metrics.json").read_text())
    assert json.dumps(metrics).count("test") >= 1
