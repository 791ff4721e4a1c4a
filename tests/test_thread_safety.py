"""A fitted model is read-only to its users' calls: shared by many threads,
it gives every caller the single-threaded answer, and predicting leaves its
state (its pickle) unchanged."""

import pickle
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from skbackprop import BackpropClassifier, BackpropRegressor
from skbackprop._network import PREDICT_CHUNK

N_THREADS = 8
CALLS_PER_THREAD = 12


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.fixture(scope="module")
def regressor():
    X, y = make_regression(n_samples=300, n_features=6, random_state=0)
    est = BackpropRegressor(hidden_layer_sizes=(16, 8), max_iter=20, random_state=0)
    return _fit(est, X, y / y.std())


@pytest.fixture(scope="module")
def classifier():
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    est = BackpropClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0)
    return _fit(est, X, y)


def _batches(seed, n_features):
    """Inputs of random sizes on both sides of the predict chunk size."""
    rng = np.random.RandomState(seed)
    sizes = rng.choice(
        [1, 7, 64, PREDICT_CHUNK - 1, PREDICT_CHUNK + 3], CALLS_PER_THREAD
    )
    return [rng.normal(size=(int(n), n_features)) for n in sizes]


def _methods(est):
    if isinstance(est, BackpropClassifier):
        return {
            "predict": est.predict,
            "predict_proba": est.predict_proba,
            "predict_log_proba": est.predict_log_proba,
            "transform": est.transform,
        }
    return {
        "predict": est.predict,
        "predict_std": lambda X: np.stack(est.predict(X, return_std=True)),
        "transform": est.transform,
    }


def _hammer(est, n_threads=N_THREADS):
    """Every thread calls every method on its own inputs; the answers are
    compared with those of one thread."""
    methods = _methods(est)
    inputs = [_batches(seed, est.n_features_in_) for seed in range(n_threads)]
    expected = [[{k: f(X) for k, f in methods.items()} for X in xs] for xs in inputs]
    barrier = threading.Barrier(n_threads)

    def work(t):
        barrier.wait()
        return [{k: f(X) for k, f in methods.items()} for X in inputs[t]]

    with ThreadPoolExecutor(n_threads) as pool:
        results = list(pool.map(work, range(n_threads)))
    for got_thread, want_thread in zip(results, expected):
        for got, want in zip(got_thread, want_thread):
            for name in methods:
                # the same operations on the same data: BLAS may split the
                # work differently between calls, so allow rounding only
                np.testing.assert_allclose(got[name], want[name], rtol=1e-12, atol=0)


@pytest.mark.parametrize("model", ["regressor", "classifier"])
def test_concurrent_predictions_equal_single_threaded_ones(model, request):
    _hammer(request.getfixturevalue(model))


def test_concurrent_scores_equal_single_threaded_ones(regressor, classifier):
    rng = np.random.RandomState(1)
    for est in (regressor, classifier):
        X = rng.normal(size=(500, est.n_features_in_))
        y = est.predict(X) + (rng.normal(size=500) if est is regressor else 0)
        expected = est.score(X, y)
        with ThreadPoolExecutor(N_THREADS) as pool:
            calls = [pool.submit(est.score, X, y) for _ in range(4 * N_THREADS)]
            scores = [c.result() for c in calls]
        np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_predictions_are_right_while_other_models_train(regressor):
    X, y = make_regression(n_samples=400, n_features=6, random_state=3)
    stop = threading.Event()

    def train(seed):
        while not stop.is_set():
            est = BackpropRegressor(
                hidden_layer_sizes=(32,), max_iter=3, random_state=seed
            )
            _fit(est, X, y / y.std())

    trainers = [threading.Thread(target=train, args=(s,)) for s in range(2)]
    for t in trainers:
        t.start()
    try:
        _hammer(regressor, n_threads=4)
    finally:
        stop.set()
        for t in trainers:
            t.join()


@pytest.mark.parametrize("model", ["regressor", "classifier"])
def test_predicting_leaves_the_model_unchanged(model, request):
    est = request.getfixturevalue(model)
    before = pickle.dumps(est)
    X = np.random.RandomState(2).normal(size=(PREDICT_CHUNK + 5, est.n_features_in_))
    for f in _methods(est).values():
        f(X)
        f(X[:3])
    est.score(X[:50], est.predict(X[:50]))
    assert pickle.dumps(est) == before
