"""Grid search and out-of-core training on a Dask cluster (the
``distributed`` extra).

A local cluster of two worker processes, bound to the loopback interface,
runs ``GridSearchCV(n_jobs=-1)`` through joblib's Dask backend; the result
must be exactly that of the sequential search. The estimators must also
travel to and from the workers (cloudpickle) and be importable there.

With dask-ml, ``Incremental`` streams a chunked dask array through
``partial_fit``, one block per call: the model it trains on the cluster must
be the one a ``partial_fit`` loop over the same blocks, in the same order,
gives; ``ParallelPostFit`` must predict block by block what ``predict`` does
on the whole array. Only the scorers that work are tested (the user guide
names the dask-ml scorers that fail with recent dask and scikit-learn:
their failures are dask-ml's, and a release that fixes them must not turn
this suite red).

Nothing here may hang: the cluster and client start with timeouts, every
blocking call on the cluster is bounded, and a last-resort watchdog
(``faulthandler``) dumps the stacks and ends the run if the module takes far
longer than it should.
"""

import faulthandler
import logging
import os
import re
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import (
    load_diabetes,
    load_iris,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import minmax_scale, scale

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


# ----------------------------------------------------------------------------
# dask-ml: partial_fit over the blocks of a chunked dask array
ROOT = Path(__file__).resolve().parent.parent
BLOCK = 100  # rows per block: 460 rows are blocks of 100, 100, 100, 100, 60
CLASSES = [0, 1, 2]


@pytest.fixture(scope="module")
def dask_ml():
    """``(dask.array, dask_ml.wrappers)``; skips without dask-ml."""
    pytest.importorskip("dask_ml")
    import dask.array
    import dask_ml.wrappers

    return dask.array, dask_ml.wrappers


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=460, n_features=5, noise=1.0, random_state=0)
    return minmax_scale(X), scale(y)


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(
        n_samples=460,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        random_state=0,
    )
    return minmax_scale(X), y


def _chunked(da, X, y):
    return da.from_array(X, chunks=(BLOCK, -1)), da.from_array(y, chunks=BLOCK)


def _partial_fit_loop(estimator, X, y, order, **fit_params):
    """``estimator.partial_fit`` once per block, the blocks in ``order``."""
    for block in order:
        rows = slice(block * BLOCK, (block + 1) * BLOCK)
        estimator.partial_fit(X[rows], y[rows], **fit_params)
    return estimator


def _assert_same_model(actual, expected):
    # the same partial_fit calls on the same blocks, but on the workers (one
    # BLAS thread each) and pickled from task to task: equal up to rounding
    for a, b in zip(
        actual.coefs_ + actual.intercepts_, expected.coefs_ + expected.intercepts_
    ):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert actual.n_iter_ == expected.n_iter_
    assert actual.t_ == expected.t_
    np.testing.assert_allclose(actual.loss_curve_, expected.loss_curve_, rtol=1e-10)


def _partial_fit_tasks(tasks):
    """The tasks of dask-ml's graph that called partial_fit: keys
    ``("fit-<token>", i)`` for block ``i >= 0`` (``-1`` holds the unfitted
    model)."""
    return [
        task
        for task in tasks
        if isinstance(task["key"], tuple)
        and str(task["key"][0]).startswith("fit-")
        and task["key"][1] >= 0
    ]


ESTIMATORS = {
    # adam (the default) and sgd with momentum: optimizer state that must
    # travel with the model from block to block
    "regressor": (
        BackpropRegressor(hidden_layer_sizes=(6,), batch_size=32, random_state=0),
        {},
    ),
    "classifier-sgd": (
        BackpropClassifier(
            hidden_layer_sizes=(6,), solver="sgd", batch_size=32, random_state=0
        ),
        {"classes": CLASSES},
    ),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_incremental_fit_is_a_partial_fit_loop_over_the_blocks(
    client, dask_ml, regression, classification, name
):
    da, wrappers = dask_ml
    estimator, fit_params = ESTIMATORS[name]
    X, y = classification if "classifier" in name else regression
    X_dask, y_dask = _chunked(da, X, y)
    assert X_dask.numblocks == (5, 1)

    def fit_on_cluster():
        with distributed.get_task_stream(client) as stream:
            # shuffle_blocks=False: the blocks in their order, 0 to 4
            model = wrappers.Incremental(clone(estimator), shuffle_blocks=False)
            model.fit(X_dask, y_dask, **fit_params)
        return model, stream.data

    model, tasks = _bounded(fit_on_cluster)
    fit_tasks = _partial_fit_tasks(tasks)
    # one partial_fit task per block, run by the cluster's workers
    assert sorted(task["key"][1] for task in fit_tasks) == [0, 1, 2, 3, 4]
    assert {task["worker"] for task in fit_tasks} <= set(
        client.scheduler_info()["workers"]
    )

    expected = _partial_fit_loop(clone(estimator), X, y, range(5), **fit_params)
    _assert_same_model(model.estimator_, expected)
    if fit_params:
        np.testing.assert_array_equal(model.estimator_.classes_, CLASSES)
    # Incremental predicts with the fitted model
    np.testing.assert_allclose(
        model.predict(X_dask).compute(), expected.predict(X), rtol=1e-10, atol=1e-12
    )


def test_incremental_shuffles_the_blocks_with_its_random_state(
    client, dask_ml, regression
):
    """``shuffle_blocks=True`` (dask-ml's default) visits the blocks in the
    order ``check_random_state(random_state).shuffle`` gives."""
    da, wrappers = dask_ml
    X, y = regression
    X_dask, y_dask = _chunked(da, X, y)
    estimator = BackpropRegressor(
        hidden_layer_sizes=(6,), batch_size=32, random_state=0
    )

    def fit_twice():
        return [
            wrappers.Incremental(clone(estimator), random_state=0).fit(X_dask, y_dask)
            for _ in range(2)
        ]

    first, second = _bounded(fit_twice)
    order = list(range(5))
    np.random.RandomState(0).shuffle(order)
    assert order != sorted(order)
    expected = _partial_fit_loop(clone(estimator), X, y, order)
    _assert_same_model(first.estimator_, expected)
    _assert_same_model(second.estimator_, expected)  # reproducible


def test_incremental_partial_fit_continues_epoch_by_epoch(client, dask_ml, regression):
    da, wrappers = dask_ml
    X, y = regression
    X_dask, y_dask = _chunked(da, X, y)
    estimator = BackpropRegressor(
        hidden_layer_sizes=(6,), batch_size=32, random_state=0
    )

    def three_epochs():
        model = wrappers.Incremental(clone(estimator), shuffle_blocks=False)
        for _ in range(3):
            model.partial_fit(X_dask, y_dask)
        return model

    model = _bounded(three_epochs)
    expected = clone(estimator)
    for _ in range(3):
        _partial_fit_loop(expected, X, y, range(5))
    _assert_same_model(model.estimator_, expected)
    # one loss_curve_ entry per partial_fit call, that is per block
    assert len(model.estimator_.loss_curve_) == 15
    assert model.estimator_.t_ == 3 * len(X)


def test_parallel_post_fit_predicts_block_by_block(
    client, dask_ml, regression, classification
):
    da, wrappers = dask_ml
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        regressor = BackpropRegressor(
            hidden_layer_sizes=(6,), max_iter=50, random_state=0
        )
        regressor.fit(*regression)
        classifier = BackpropClassifier(
            hidden_layer_sizes=(6,), max_iter=50, random_state=0
        )
        classifier.fit(*classification)
    X_reg, _ = _chunked(da, *regression)
    X_clf, _ = _chunked(da, *classification)

    def predict_on_cluster():
        reg = wrappers.ParallelPostFit(regressor)
        clf = wrappers.ParallelPostFit(classifier)
        lazy = {
            "predict": reg.predict(X_reg),
            "transform": reg.transform(X_reg),
            "labels": clf.predict(X_clf),
            "proba": clf.predict_proba(X_clf),
        }
        # lazy dask arrays, one block per block of X
        for array in lazy.values():
            assert isinstance(array, da.Array)
            assert array.chunks[0] == X_reg.chunks[0]
        return {key: array.compute() for key, array in lazy.items()}

    out = _bounded(predict_on_cluster)
    X_r, X_c = regression[0], classification[0]
    np.testing.assert_allclose(
        out["predict"], regressor.predict(X_r), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        out["transform"], regressor.transform(X_r), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_array_equal(out["labels"], classifier.predict(X_c))
    np.testing.assert_allclose(
        out["proba"], classifier.predict_proba(X_c), rtol=1e-12, atol=1e-14
    )


def test_incremental_scores_that_work(client, dask_ml, regression, classification):
    """The classifier's default score (dask-ml's accuracy) and the regressor
    with ``scoring="neg_mean_squared_error"``; the regressor's default, R²,
    fails in dask-ml (below)."""
    da, wrappers = dask_ml
    X_c, y_c = classification
    X_r, y_r = regression

    def fit_and_score():
        clf = wrappers.Incremental(
            BackpropClassifier(hidden_layer_sizes=(6,), random_state=0),
            shuffle_blocks=False,
        ).fit(*_chunked(da, X_c, y_c), classes=CLASSES)
        reg = wrappers.Incremental(
            BackpropRegressor(hidden_layer_sizes=(6,), random_state=0),
            scoring="neg_mean_squared_error",
            shuffle_blocks=False,
        ).fit(*_chunked(da, X_r, y_r))
        return (
            clf,
            clf.score(*_chunked(da, X_c, y_c)),
            reg,
            reg.score(*_chunked(da, X_r, y_r)),
        )

    clf, accuracy, reg, neg_mse = _bounded(fit_and_score)
    assert accuracy == pytest.approx(clf.estimator_.score(X_c, y_c), rel=1e-12)
    mse = mean_squared_error(y_r, reg.estimator_.predict(X_r))
    assert neg_mse == pytest.approx(-mse, rel=1e-10)


def test_incremental_needs_a_stochastic_solver(dask_ml, regression):
    da, wrappers = dask_ml
    model = wrappers.Incremental(BackpropRegressor(solver="lbfgs"))
    # partial_fit exists only for solver='sgd' and 'adam' (as in scikit-learn)
    with pytest.raises(ValueError, match="does not implement 'partial_fit'"):
        model.fit(*_chunked(da, *regression))


def _run_script(path):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        result = subprocess.run(
            [sys.executable, str(path)],
            capture_output=True,
            text=True,
            timeout=CALL_TIMEOUT,
            env=env,
            cwd=path.parent,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{path.name} did not finish within {CALL_TIMEOUT} s")
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_incremental_example_script_runs(dask_ml):
    """``examples/incremental_dask.py`` (not run by the gallery)."""
    out = _run_script(ROOT / "examples" / "incremental_dask.py")
    assert "Dask cluster: 2 workers" in out
    assert "epoch 3:" in out
    assert "predicted 100000 rows" in out


def test_user_guide_incremental_code_runs(dask_ml, tmp_path):
    """The code block of the user guide's section on data larger than memory."""
    page = (ROOT / "docs" / "user_guide" / "distributed.rst").read_text(
        encoding="utf-8"
    )
    section = page.split("Data larger than memory", 1)[1]
    block = re.search(
        r"^\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", section, re.MULTILINE
    )
    assert block, "no python code block in the section"
    code = "\n".join(line[3:] for line in block.group(1).splitlines())
    script = tmp_path / "incremental_snippet.py"
    script.write_text(code, encoding="utf-8")
    out = _run_script(script)
    assert re.search(r"R\^2 [0-9.]+ after 3 epochs", out), out
