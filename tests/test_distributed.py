"""Grid search on a Dask cluster (the ``distributed`` extra).

A local cluster of two worker processes, bound to the loopback interface,
runs ``GridSearchCV(n_jobs=-1)`` through joblib's Dask backend; the result
must be exactly that of the sequential search. The estimators must also
travel to and from the workers (cloudpickle) and be importable there.

Nothing here may hang: the cluster and client start with timeouts, every
blocking call on the cluster is bounded, and a last-resort watchdog
(``faulthandler``) dumps the stacks and ends the run if the module takes far
longer than it should.
"""

import faulthandler
import logging
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import minmax_scale

import skbackprop
from skbackprop import BackpropClassifier, BackpropRegressor
from skbackprop.pipeline import make_scaled_pipeline

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")
joblib = pytest.importorskip("joblib")

# seconds
CONNECT_TIMEOUT = 60  # cluster start-up and client connection
CALL_TIMEOUT = 120  # one search, or one round trip to the workers
WATCHDOG_TIMEOUT = 600  # the whole module; only reached if something hangs

PARAM_GRID = {
    "model__hidden_layer_sizes": [(8,), (16,)],
    "model__learning_rate_init": [1e-3, 1e-2],
}


@pytest.fixture(scope="module")
def client(request):
    # last resort: a hang (e.g. a worker that never answers) prints every
    # thread's stack and ends the process instead of blocking CI
    faulthandler.dump_traceback_later(WATCHDOG_TIMEOUT, exit=True, file=sys.stderr)
    request.addfinalizer(faulthandler.cancel_dump_traceback_later)

    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",  # loopback only
        dashboard_address=None,  # no web dashboard
        timeout=CONNECT_TIMEOUT,
        silence_logs=logging.ERROR,
    )
    request.addfinalizer(cluster.close)
    client = distributed.Client(cluster, timeout=CONNECT_TIMEOUT)
    request.addfinalizer(client.close)
    client.wait_for_workers(2, timeout=CONNECT_TIMEOUT)
    return client


def _bounded(fn, *args):
    """Run ``fn(*args)`` in a daemon thread; fail the test if it takes too long.

    A daemon thread cannot keep the interpreter alive if it never returns.
    joblib's backend configuration is thread-local, so ``fn`` must enter
    ``joblib.parallel_config`` itself.
    """
    outcome = {}

    def target():
        try:
            outcome["value"] = fn(*args)
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=f"bounded-{fn.__name__}")
    thread.daemon = True
    thread.start()
    thread.join(CALL_TIMEOUT)
    if thread.is_alive():
        pytest.fail(f"{fn.__name__} did not finish within {CALL_TIMEOUT} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def _search(n_jobs):
    return GridSearchCV(
        make_scaled_pipeline(BackpropRegressor(max_iter=40, random_state=0)),
        PARAM_GRID,
        cv=3,
        n_jobs=n_jobs,
    )


def test_workers_are_separate_processes_that_import_skbackprop(client):
    versions = client.run(lambda: __import__("skbackprop").__version__, wait=True)
    assert len(versions) == 2
    assert set(versions.values()) == {skbackprop.__version__}
    pids = client.run(os.getpid)
    assert len(set(pids.values())) == 2
    assert os.getpid() not in pids.values()


def test_grid_search_on_dask_matches_sequential_search(client, diabetes):
    X, y = diabetes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sequential = _search(n_jobs=1).fit(X, y)

    def fit_on_cluster():
        search = _search(n_jobs=-1)
        with distributed.get_task_stream(client) as stream:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                with joblib.parallel_config(backend="dask"):
                    search.fit(X, y)
        return search, stream.data

    on_cluster, tasks = _bounded(fit_on_cluster)

    # the fits really ran on the cluster's workers
    assert tasks, "no task ran on the Dask cluster"
    workers = set(client.scheduler_info()["workers"])
    assert {task["worker"] for task in tasks} <= workers

    assert on_cluster.best_params_ == sequential.best_params_
    assert on_cluster.best_score_ == sequential.best_score_
    np.testing.assert_array_equal(
        on_cluster.cv_results_["mean_test_score"],
        sequential.cv_results_["mean_test_score"],
    )
    np.testing.assert_array_equal(
        on_cluster.predict(X[:10]), sequential.predict(X[:10])
    )


def _uniform_init(rng, fan_in, fan_out):
    return rng.uniform(-0.5, 0.5, size=(fan_in, fan_out))


@pytest.mark.parametrize(
    "estimator",
    [
        BackpropRegressor(hidden_layer_sizes=(5, 3), max_iter=30, random_state=0),
        BackpropRegressor(solver="lbfgs", max_iter=30, n_init=2, random_state=0),
        BackpropClassifier(hidden_layer_sizes=(6,), max_iter=30, random_state=0),
        # a lambda, which only cloudpickle can serialise
        BackpropRegressor(
            init=lambda rng, fan_in, fan_out: _uniform_init(rng, fan_in, fan_out),
            max_iter=30,
            random_state=0,
        ),
    ],
    ids=["regressor", "lbfgs-n_init", "classifier", "lambda-init"],
)
def test_estimators_round_trip_through_cloudpickle(estimator):
    X, y = load_iris(return_X_y=True)
    X = minmax_scale(X)
    unfitted = cloudpickle.loads(cloudpickle.dumps(estimator))
    assert type(unfitted) is type(estimator)
    assert unfitted.get_params().keys() == estimator.get_params().keys()
    assert not hasattr(unfitted, "coefs_")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = estimator.fit(X, y)
        restored = cloudpickle.loads(cloudpickle.dumps(fitted))
        np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
        for a, b in zip(restored.coefs_, fitted.coefs_):
            np.testing.assert_array_equal(a, b)
        assert restored.n_iter_ == fitted.n_iter_
        # the unfitted copy trains to the same model
        np.testing.assert_array_equal(unfitted.fit(X, y).predict(X), fitted.predict(X))


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def test_fit_on_a_worker_returns_the_local_model(client):
    X, y = load_iris(return_X_y=True)
    X = minmax_scale(X)
    estimator = BackpropClassifier(
        hidden_layer_sizes=(6,),
        init=lambda rng, fan_in, fan_out: _uniform_init(rng, fan_in, fan_out),
        max_iter=30,
        random_state=0,
    )
    future = client.submit(_fit, estimator, X, y, pure=False)
    remote = _bounded(future.result)
    local = _fit(estimator, X, y)
    assert remote is not local
    np.testing.assert_array_equal(remote.predict_proba(X), local.predict_proba(X))
    np.testing.assert_array_equal(remote.classes_, local.classes_)


def test_example_script_runs():
    """``examples/distributed_grid_search.py`` (not run by the gallery)."""
    script = (
        Path(__file__).resolve().parent.parent
        / "examples"
        / "distributed_grid_search.py"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        result = subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            timeout=CALL_TIMEOUT,
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{script.name} did not finish within {CALL_TIMEOUT} s")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "best parameters: {" in result.stdout
    assert "Dask cluster: 2 workers" in result.stdout
