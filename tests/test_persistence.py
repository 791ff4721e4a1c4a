"""Persistence and determinism: pickle/joblib round trips, dtype kept,
reproducible weights (also inside GridSearchCV with n_jobs=2), clone and
set_params never touching fitted state."""

import copy
import hashlib
import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.utils.validation import check_is_fitted

from skbackprop import BackpropClassifier, BackpropRegressor

ESTIMATORS = [BackpropRegressor, BackpropClassifier]
SOLVERS = ["sgd", "adam", "lbfgs"]


def _data(Est, dtype=np.float64, n_samples=60):
    X, y = make_regression(n_samples, 5, noise=1.0, random_state=0)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (y - y.mean()) / y.std()
    if Est is BackpropClassifier:
        y = np.digitize(y, [-0.5, 0.5])  # three classes
    return X.astype(dtype), y


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _fitted(Est, dtype=np.float64, **params):
    X, y = _data(Est, dtype)
    params = {"hidden_layer_sizes": (7, 4), "max_iter": 15, "random_state": 0, **params}
    return _fit(Est(**params), X, y), X, y


def _outputs(est, X):
    if isinstance(est, BackpropClassifier):
        return [est.predict(X), est.predict_proba(X), est.predict_log_proba(X)]
    return [est.predict(X), *est.predict(X, return_std=True)]


def _assert_identical_outputs(a, b, X):
    for out_a, out_b in zip(_outputs(a, X), _outputs(b, X)):
        assert out_a.dtype == out_b.dtype
        np.testing.assert_array_equal(out_a, out_b)


def _weights(est):
    return est.coefs_ + est.intercepts_


def _assert_identical_weights(a, b):
    wa, wb = _weights(a), _weights(b)
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)


def _pickle(est):
    return pickle.loads(pickle.dumps(est))


def _joblib_bytes(est):
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


ROUND_TRIPS = {"pickle": _pickle, "joblib": _joblib_bytes, "deepcopy": copy.deepcopy}


# ----------------------------------------------------------------------------
# round trips
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("round_trip", list(ROUND_TRIPS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_gives_bit_identical_predictions(Est, solver, round_trip, dtype):
    est, X, _ = _fitted(Est, dtype, solver=solver)
    restored = ROUND_TRIPS[round_trip](est)
    _assert_identical_weights(est, restored)
    _assert_identical_outputs(est, restored, X)
    # on unseen rows too, and twice (internal buffers are rebuilt on demand)
    X_new = np.random.RandomState(1).normal(size=(300, X.shape[1])).astype(dtype)
    _assert_identical_outputs(est, restored, X_new)
    _assert_identical_outputs(est, restored, X_new)
    for name in ["n_iter_", "loss_", "loss_curve_", "n_layers_", "out_activation_"]:
        assert getattr(restored, name) == getattr(est, name)
    if Est is BackpropClassifier:
        np.testing.assert_array_equal(restored.classes_, est.classes_)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_joblib_file_round_trip(Est, tmp_path):
    est, X, _ = _fitted(Est)
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    _assert_identical_outputs(est, joblib.load(path), X)
    compressed = tmp_path / "model.joblib.gz"
    joblib.dump(est, compressed, compress=3)
    _assert_identical_outputs(est, joblib.load(compressed), X)
    # memory-mapped arrays (read-only) still predict
    _assert_identical_outputs(est, joblib.load(path, mmap_mode="r"), X)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_round_trip_of_a_model_with_restarts_and_early_stopping(Est):
    est, X, _ = _fitted(Est, n_init=2, early_stopping=True, solver="adam")
    restored = _pickle(est)
    _assert_identical_outputs(est, restored, X)
    np.testing.assert_array_equal(restored.restart_losses_, est.restart_losses_)
    assert restored.best_restart_ == est.best_restart_
    assert restored.validation_scores_ == est.validation_scores_


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("round_trip", list(ROUND_TRIPS))
def test_unfitted_estimator_round_trip(Est, round_trip):
    est = Est(hidden_layer_sizes=(4,), max_iter=7, random_state=3, solver="sgd")
    restored = ROUND_TRIPS[round_trip](est)
    assert restored.get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        check_is_fitted(restored)
    # and the restored estimator fits exactly like the original
    X, y = _data(Est)
    _assert_identical_weights(_fit(est, X, y), _fit(restored, X, y))


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_model_stays_float32(Est, solver):
    est, X, _ = _fitted(Est, np.float32, solver=solver)
    for restored in (_pickle(est), _joblib_bytes(est)):
        for W in _weights(restored):
            assert W.dtype == np.float32
        if Est is BackpropClassifier:
            assert restored.predict_proba(X).dtype == np.float32
            assert restored.predict_log_proba(X).dtype == np.float32
        else:
            assert restored.predict(X).dtype == np.float32
            assert restored.predict(X, return_std=True)[1].dtype == np.float32
        # float64 input to a float32 model still predicts in float32
        out = (
            restored.predict_proba(X.astype(np.float64))
            if Est is BackpropClassifier
            else restored.predict(X.astype(np.float64))
        )
        assert out.dtype == np.float32


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_float32_model_keeps_training_in_float32_after_unpickling(Est, solver):
    est, X, y = _fitted(Est, np.float32, solver=solver, warm_start=True)
    restored = _pickle(est)
    _fit(restored, X.astype(np.float64), y)
    for W in _weights(restored):
        assert W.dtype == np.float32


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("round_trip", ["pickle", "joblib"])
@pytest.mark.parametrize("layer", [0, -1])
def test_unpickled_coefs_are_views_of_the_model(Est, round_trip, layer):
    est, X, _ = _fitted(Est)
    restored = ROUND_TRIPS[round_trip](est)
    before = _outputs(restored, X)[1]
    restored.coefs_[layer][...] = 0
    after = _outputs(restored, X)[1]
    assert not np.array_equal(before, after)
    # the original is untouched
    np.testing.assert_array_equal(_outputs(est, X)[1], before)
    restored.intercepts_[layer][...] = 0
    assert not np.array_equal(_outputs(restored, X)[1], after)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_pickle_does_not_store_batch_buffers(Est):
    # the pickle holds the parameters, not activation buffers sized by the data
    X, y = _data(Est, n_samples=2000)
    est = _fit(
        Est(hidden_layer_sizes=(50,), max_iter=2, solver="lbfgs", random_state=0), X, y
    )
    n_params = sum(W.size for W in _weights(est))
    assert len(pickle.dumps(est)) < 8 * n_params * 3 + 20_000


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_unpickled_model_can_keep_training(Est):
    est, X, y = _fitted(Est, solver="sgd")
    restored = _pickle(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.partial_fit(X, y)
        restored.partial_fit(X, y)
    _assert_identical_weights(est, restored)


# ----------------------------------------------------------------------------
# determinism
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "extra",
    [{}, {"n_init": 2}, {"early_stopping": True}, {"batch_size": 7}],
    ids=["default", "n_init", "early_stopping", "batch7"],
)
def test_same_random_state_gives_bit_identical_weights(Est, solver, extra):
    a, X, y = _fitted(Est, solver=solver, **extra)
    b, _, _ = _fitted(Est, solver=solver, **extra)
    _assert_identical_weights(a, b)
    assert a.loss_curve_ == b.loss_curve_
    _assert_identical_outputs(a, b, X)
    # a RandomState instance seeded alike gives the same fit too
    c, _, _ = _fitted(
        Est, solver=solver, **{**extra, "random_state": np.random.RandomState(0)}
    )
    _assert_identical_weights(a, c)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_refit_of_the_same_estimator_is_reproducible(Est):
    est, X, y = _fitted(Est)
    first = [W.copy() for W in _weights(est)]
    _fit(est, X, y)
    for W, W0 in zip(_weights(est), first):
        np.testing.assert_array_equal(W, W0)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_grid_search_with_two_jobs_gives_identical_weights(Est):
    X, y = _data(Est)
    grid = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(3,), (6,)]}
    base = Est(max_iter=20, random_state=0, learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        serial = GridSearchCV(base, grid, cv=3, n_jobs=1, refit=True).fit(X, y)
        parallel = GridSearchCV(base, grid, cv=3, n_jobs=2, refit=True).fit(X, y)
        direct = clone(base).set_params(**serial.best_params_).fit(X, y)
    assert parallel.best_params_ == serial.best_params_
    np.testing.assert_array_equal(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    _assert_identical_weights(parallel.best_estimator_, serial.best_estimator_)
    _assert_identical_weights(serial.best_estimator_, direct)
    _assert_identical_outputs(parallel.best_estimator_, serial.best_estimator_, X)


# ----------------------------------------------------------------------------
# clone and set_params
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_clone_of_a_fitted_estimator_is_unfitted(Est, solver):
    est, X, y = _fitted(Est, solver=solver)
    before = _outputs(est, X)
    cloned = clone(est)
    assert cloned.get_params() == est.get_params()
    fitted_attrs = [
        k for k in vars(cloned) if k.endswith("_") and not k.startswith("__")
    ]
    assert fitted_attrs == []
    assert not hasattr(cloned, "_layer_units")
    with pytest.raises(NotFittedError):
        check_is_fitted(cloned)
    with pytest.raises(NotFittedError):
        cloned.predict(X)
    # fitting the clone does not touch the original
    _fit(cloned.set_params(hidden_layer_sizes=(3,), random_state=5), X, y)
    for old, new in zip(before, _outputs(est, X)):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "params",
    [
        {"hidden_layer_sizes": (11,)},
        {"activation": "tanh"},
        {"alpha": 10.0},
        {"fit_intercept": False},
        {"solver": "lbfgs"},
        {"learning_rate_init": 0.5},
        {"warm_start": True},
        {"n_init": 3},
        {"random_state": 42},
        {"max_iter": 1},
        {"init": "uniform"},
    ],
    ids=lambda p: next(iter(p)),
)
def test_set_params_never_mutates_fitted_state(Est, params):
    if "init" in params and not hasattr(Est(), "init"):
        pytest.skip("no init parameter")
    est, X, _ = _fitted(Est, solver="adam")
    weights = [W.copy() for W in _weights(est)]
    outputs = _outputs(est, X)
    state = {
        k: copy.deepcopy(v) for k, v in vars(est).items() if k in ("n_iter_", "loss_")
    }
    est.set_params(**params)
    for W, W0 in zip(_weights(est), weights):
        np.testing.assert_array_equal(W, W0)
    for out, out0 in zip(_outputs(est, X), outputs):
        np.testing.assert_array_equal(out, out0)
    for k, v in state.items():
        assert getattr(est, k) == v


def test_set_params_out_activation_never_mutates_fitted_state():
    est, X, _ = _fitted(BackpropRegressor)
    before = est.predict(X)
    est.set_params(out_activation="tanh", loss="squared_error")
    np.testing.assert_array_equal(est.predict(X), before)
    assert est.out_activation_ == "identity"


# ----------------------------------------------------------------------------
# gaps found in the audit: weights fitted *inside* the workers, every fitted
# attribute after set_params
def _weight_fingerprint(est, X=None, y=None):
    """A scorer that returns a hash of the fitted weights (48 bits, exact in a
    float): equal scores mean bit-identical weights."""
    digest = hashlib.sha256()
    for W in _weights(est):
        digest.update(W.dtype.str.encode())
        digest.update(W.tobytes())
    return float(int.from_bytes(digest.digest()[:6], "little"))


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_grid_search_workers_fit_bit_identical_weights(Est):
    # refit=False: every weight compared here was fitted in a worker process
    X, y = _data(Est)
    grid = {"solver": SOLVERS, "n_init": [1, 2]}
    base = Est(hidden_layer_sizes=(4,), max_iter=10, random_state=0)
    cv = KFold(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        searches = [
            GridSearchCV(
                base,
                grid,
                cv=cv,
                n_jobs=n_jobs,
                scoring=_weight_fingerprint,
                refit=False,
            ).fit(X, y)
            for n_jobs in (1, 2)
        ]
        train, _ = next(cv.split(X))
        direct = [
            _weight_fingerprint(
                clone(base).set_params(**params).fit(X[train], y[train])
            )
            for params in searches[0].cv_results_["params"]
        ]
    serial, parallel = (s.cv_results_ for s in searches)
    assert serial["params"] == parallel["params"]
    for k in range(3):
        np.testing.assert_array_equal(
            parallel[f"split{k}_test_score"], serial[f"split{k}_test_score"]
        )
    np.testing.assert_array_equal(serial["split0_test_score"], direct)
    # the fingerprint tells the solvers apart (lbfgs with n_init=2 may keep
    # restart 0, drawn exactly like n_init=1)
    assert len(set(direct)) >= len(SOLVERS)


def _fitted_state(est):
    """Deep copy of everything fit stored: all attributes but the parameters."""
    params = est.get_params(deep=False)
    state = {k: copy.deepcopy(v) for k, v in vars(est).items() if k not in params}
    return state


def _assert_same_state(before, after):
    assert before.keys() == after.keys()
    for key, old in before.items():
        new = after[key]
        if key in ("_random_state", "_label_binarizer"):
            continue  # objects compared through their content elsewhere
        if isinstance(old, dict):
            _assert_same_state(old, new)
        elif isinstance(old, list) and old and isinstance(old[0], np.ndarray):
            assert len(old) == len(new), key
            for a, b in zip(old, new):
                assert a.dtype == b.dtype, key
                np.testing.assert_array_equal(a, b, err_msg=key)
        elif isinstance(old, np.ndarray):
            assert old.dtype == new.dtype, key
            np.testing.assert_array_equal(old, new, err_msg=key)
        else:
            assert old == new or (old != old and new != new), key


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_set_params_leaves_every_fitted_attribute_unchanged(Est, solver):
    est, X, _ = _fitted(Est, solver=solver, n_init=2, early_stopping=True)
    before, outputs = _fitted_state(est), _outputs(est, X)
    changes = {
        "hidden_layer_sizes": (9, 2),
        "activation": "tanh",
        "solver": "sgd" if solver != "sgd" else "lbfgs",
        "alpha": 3.0,
        "batch_size": 5,
        "learning_rate_init": 0.5,
        "max_iter": 1,
        "random_state": 7,
        "tol": 0.5,
        "warm_start": True,
        "early_stopping": False,
        "fit_intercept": False,
        "n_init": 1,
        "init": "uniform",
        "loss": "squared_error",
    }
    if Est is BackpropRegressor:
        changes["out_activation"] = "tanh"
    est.set_params(**changes)
    after = _fitted_state(est)
    _assert_same_state(before, after)
    for out, out0 in zip(_outputs(est, X), outputs):
        np.testing.assert_array_equal(out, out0)
    # and a pickle taken after set_params still holds the fitted model
    for out, out0 in zip(_outputs(_pickle(est), X), outputs):
        np.testing.assert_array_equal(out, out0)


# ----------------------------------------------------------------------------
# the public weights are the model
def _edit(est, how):
    """Change the first layer's weights by replacing the item or writing in."""
    W = est.coefs_[0] * 0.5 + 0.25
    b = est.intercepts_[-1] - 1.0
    if how == "replace":
        est.coefs_[0] = W
        est.intercepts_[-1] = b
    else:
        est.coefs_[0][...] = W
        est.intercepts_[-1][...] = b
    return W.copy(), b.copy()


def _reference_output(est, X):
    """The network's output from the public weights, in plain numpy."""
    a = X
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        z = a @ W + b
        last = i == len(est.coefs_) - 1
        if not last:
            a = np.maximum(z, 0)  # relu
        elif est.out_activation_ == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
        else:
            a = z
    return a


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("how", ["replace", "write"])
def test_edited_weights_reach_predict_and_pickles(Est, how):
    est, X, _ = _fitted(Est, solver="adam")
    _edit(est, how)
    expected = _reference_output(est, X)
    got = est.predict_proba(X) if Est is BackpropClassifier else est.predict(X)
    np.testing.assert_allclose(got.reshape(expected.shape), expected, rtol=1e-10)
    for restored in (_pickle(est), _joblib_bytes(est)):
        _assert_identical_weights(restored, est)
        _assert_identical_outputs(restored, est, X)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("how", ["replace", "write"])
@pytest.mark.parametrize("continued", ["partial_fit", "warm_start"])
def test_edited_weights_are_where_training_continues(Est, how, continued):
    est, X, y = _fitted(Est, solver="sgd", learning_rate_init=1e-12, momentum=0.0)
    W, b = _edit(est, how)
    # a step of size 1e-12 moves the weights by far less than the edit
    if continued == "partial_fit":
        est.partial_fit(X, y)
    else:
        _fit(est.set_params(warm_start=True, max_iter=1), X, y)
    np.testing.assert_allclose(est.coefs_[0], W, rtol=0, atol=1e-9)
    np.testing.assert_allclose(est.intercepts_[-1], b, rtol=0, atol=1e-9)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_edited_weights_of_a_wrong_shape_are_refused(Est):
    est, X, y = _fitted(Est, solver="adam")
    est.coefs_[0] = est.coefs_[0][:, :-1]
    with pytest.raises(ValueError, match=r"coefs_\[0\] has shape"):
        est.predict(X)
    with pytest.raises(ValueError, match=r"coefs_\[0\] has shape"):
        est.partial_fit(X, y)


# ----------------------------------------------------------------------------
# skops: a secure loader can trust the fitted state
skops_io = pytest.importorskip("skops.io")


def _skops_case(name):
    """``(model, X, y)``: a fitted estimator (or pipeline) of one kind."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    if name == "pipeline":
        X, y = _data(BackpropRegressor)
        inner = BackpropRegressor(
            hidden_layer_sizes=(7, 4), max_iter=15, random_state=0
        )
        return _fit(make_pipeline(MinMaxScaler(), inner), X, y), X, y
    Est, params = {
        "adam": (BackpropRegressor, {}),
        "sgd-adaptive-per-layer": (
            BackpropClassifier,
            {
                "solver": "sgd",
                "learning_rate": "adaptive",
                "learning_rate_init": [0.1, 0.01, 0.05],
            },
        ),
        "lbfgs-restarts": (BackpropClassifier, {"solver": "lbfgs", "n_init": 2}),
        "restarts-early-stopping": (
            BackpropRegressor,
            {"n_init": 3, "early_stopping": True},
        ),
        "float32": (BackpropRegressor, {"solver": "sgd", "dtype": np.float32}),
        "per-layer-activations": (
            BackpropClassifier,
            {"activation": ["gelu", "softplus"], "hidden_layer_sizes": (5, 4)},
        ),
        "quantile": (BackpropRegressor, {"loss": "quantile", "quantile": 0.8}),
        "huber": (
            BackpropRegressor,
            {"loss": "huber", "huber_delta": 0.3, "solver": "sgd"},
        ),
    }[name]
    return _fitted(Est, **params)


SKOPS_CASES = [
    "adam",
    "sgd-adaptive-per-layer",
    "lbfgs-restarts",
    "restarts-early-stopping",
    "float32",
    "quantile",
    "huber",
    "pipeline",
    "per-layer-activations",
]
PUBLIC_CLASSES = {
    "skbackprop._multilayer_perceptron.BackpropRegressor",
    "skbackprop._multilayer_perceptron.BackpropClassifier",
}


@pytest.mark.parametrize("name", SKOPS_CASES)
def test_skops_round_trip_trusts_only_the_public_classes(name):
    est, X, y = _skops_case(name)
    data = skops_io.dumps(est)
    untrusted = skops_io.get_untrusted_types(data=data)
    assert set(untrusted) <= PUBLIC_CLASSES, untrusted
    loaded = skops_io.loads(data, trusted=untrusted)
    if name == "pipeline":
        np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
        loaded, est, X = loaded[-1], est[-1], est[:-1].transform(X)
    _assert_identical_weights(loaded, est)
    _assert_identical_outputs(loaded, est, X)
    if est.solver != "lbfgs":
        # training goes on after loading exactly as it does from the original
        # (partial_fit trains without early stopping)
        loaded.set_params(early_stopping=False)
        est.set_params(early_stopping=False)
        kwargs = {"classes": est.classes_} if is_classifier(est) else {}
        loaded.partial_fit(X, y, **kwargs)
        est.partial_fit(X, y, **kwargs)
        _assert_identical_weights(loaded, est)
