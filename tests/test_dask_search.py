"""Hyper-parameter search on a dask.distributed cluster (issue 15, part 3).

A LocalCluster of two worker *processes* on 127.0.0.1 (no dashboard) runs GridSearchCV and
RandomizedSearchCV over chainrule's estimators through ``joblib.parallel_backend("dask")``;
the results equal the same search run locally with the same seeds.  Needs the dask extra
(``pip install "chainrule[dask]"``) and skips with that reason without it.  The workers
are new processes: they import chainrule as the test process does (PYTHONPATH is inherited).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

REASON = 'needs the dask extra: pip install "chainrule[dask]"'
distributed = pytest.importorskip("distributed", reason=REASON)
pytest.importorskip("dask", reason=REASON)

import joblib  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from chainrule.sklearn import NetClassifier, NetRegressor  # noqa: E402


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(y))[:90]
    return X[idx], y[idx]


def _compare(local: Any, remote: Any) -> None:
    assert remote.best_params_ == local.best_params_
    assert remote.best_index_ == local.best_index_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        rtol=1e-12,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        remote.cv_results_["split0_test_score"],
        local.cv_results_["split0_test_score"],
        rtol=1e-12,
        atol=1e-12,
    )
    assert [str(p) for p in remote.cv_results_["params"]] == [
        str(p) for p in local.cv_results_["params"]
    ]


pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_the_cluster_is_on_loopback(client: Any) -> None:
    info = client.scheduler_info()
    addresses = [info["address"], *info["workers"]]
    assert len(info["workers"]) == 2
    assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
    pids = client.run(os.getpid)
    assert len(set(pids.values())) == 2
    assert os.getpid() not in pids.values()  # worker processes, not threads of this one


def test_grid_search_on_dask_equals_local(client: Any) -> None:
    X, y = _iris()
    pipe = make_pipeline(
        StandardScaler(),
        NetClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0, batch_size=16),
    )
    grid = {
        "netclassifier__learning_rate_init": [0.003, 0.03],
        "netclassifier__alpha": [1e-4, 1e-1],
    }
    local = GridSearchCV(pipe, grid, cv=3, n_jobs=1).fit(X, y)
    with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        remote = GridSearchCV(pipe, grid, cv=3, n_jobs=-1).fit(X, y)
    _compare(local, remote)
    # the fits ran on the cluster's worker processes (4 candidates × 3 folds, and the refit)
    ran_on = {task["worker"] for task in stream.data}
    assert len(stream.data) >= 12
    assert ran_on <= set(client.scheduler_info()["workers"])
    assert remote.best_estimator_.predict(X).shape == (90,)


def test_randomized_search_on_dask_equals_local(client: Any) -> None:
    X, _ = _iris()
    yr = X[:, 3] + 0.5 * X[:, 0]
    Xr = X[:, :3]
    est = NetRegressor(hidden_layer_sizes=(6,), max_iter=25, random_state=1, batch_size=16)
    dist = {
        "learning_rate_init": [0.001, 0.003, 0.01, 0.03],
        "activation": ["relu", "tanh"],
        "alpha": [1e-4, 1e-2, 1.0],
    }
    local = RandomizedSearchCV(est, dist, n_iter=4, cv=2, random_state=0, n_jobs=1).fit(Xr, yr)
    with joblib.parallel_backend("dask"):
        remote = RandomizedSearchCV(est, dist, n_iter=4, cv=2, random_state=0, n_jobs=-1)
        remote.fit(Xr, yr)
    _compare(local, remote)
