"""Tests of BackpropRegressor and BackpropClassifier."""

import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import (
    load_diabetes,
    load_digits,
    load_iris,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skbackprop import BackpropClassifier, BackpropRegressor, DivergenceWarning

SOLVERS = ["sgd", "adam", "lbfgs"]


def _theta(est):
    """All weights of a fitted estimator as one vector (a copy)."""
    return np.concatenate([a.ravel() for a in est.coefs_ + est.intercepts_])


@pytest.fixture(scope="module")
def regression_data():
    X, y = make_regression(n_samples=120, n_features=6, noise=0.5, random_state=0)
    X = MinMaxScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    return X, y


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return MinMaxScaler().fit_transform(X), y


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


# ----------------------------------------------------------------------------
# parity with scikit-learn's MLP: same hyperparameters, same random_state, so
# the same initial weights, shuffles and updates
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_regressor_matches_sklearn_mlp_weights(regression_data, solver, activation):
    X, y = regression_data
    params = dict(
        hidden_layer_sizes=(7, 5),
        activation=activation,
        solver=solver,
        max_iter=15,
        batch_size=32,
        learning_rate_init=0.01,
        random_state=3,
    )
    ours = _quiet(BackpropRegressor(**params).fit, X, y)
    ref = _quiet(MLPRegressor(**params).fit, X, y)
    assert ours.n_iter_ == ref.n_iter_
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.loss_, ref.loss_, rtol=1e-8)
    if solver != "lbfgs":
        np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-8)


@pytest.mark.parametrize("solver", SOLVERS)
def test_classifier_matches_sklearn_mlp_probabilities(iris, solver):
    X, y = iris
    params = dict(hidden_layer_sizes=(10,), solver=solver, max_iter=20, random_state=0)
    ours = _quiet(BackpropClassifier(**params).fit, X, y)
    ref = _quiet(MLPClassifier(**params).fit, X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-6)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_side_by_side_score_on_bundled_dataset():
    X, y = load_diabetes(return_X_y=True)
    params = dict(
        hidden_layer_sizes=(20,), solver="lbfgs", max_iter=200, random_state=0
    )
    ours = _quiet(make_pipeline(MinMaxScaler(), BackpropRegressor(**params)).fit, X, y)
    ref = _quiet(make_pipeline(MinMaxScaler(), MLPRegressor(**params)).fit, X, y)
    assert ours.score(X, y) > 0.4
    assert abs(ours.score(X, y) - ref.score(X, y)) < 0.05


# ----------------------------------------------------------------------------
# training mechanics
def test_full_batch_sgd_step_is_minus_lr_times_gradient(regression_data):
    X, y = regression_data
    lr = 0.05
    est = BackpropRegressor(
        hidden_layer_sizes=(4,),
        solver="sgd",
        momentum=0.0,
        batch_size=X.shape[0],
        learning_rate_init=lr,
        alpha=0.01,
        random_state=0,
    )
    est.partial_fit(X, y)  # initialise (and take one step)
    theta0 = _theta(est)
    net = est._network()
    ws = net.workspace(X.shape[0])
    ws.loss_grad(X, y.reshape(-1, 1), None, est.alpha)
    grad = ws.grad.copy()
    est.partial_fit(X, y)
    # theta <- theta - lr * grad (BLAS may fuse the multiply-add: one ulp)
    np.testing.assert_allclose(_theta(est), theta0 - grad * lr, rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("Est", [BackpropRegressor, BackpropClassifier])
def test_partial_fit_one_epoch_equals_fit_max_iter_one(Est, regression_data, iris):
    X, y = iris if Est is BackpropClassifier else regression_data
    params = dict(hidden_layer_sizes=(5,), solver="sgd", batch_size=16, random_state=7)
    fitted = _quiet(Est(max_iter=1, **params).fit, X, y)
    kwargs = {"classes": np.unique(y)} if Est is BackpropClassifier else {}
    partial = Est(**params).partial_fit(X, y, **kwargs)
    np.testing.assert_array_equal(_theta(fitted), _theta(partial))
    assert fitted.loss_ == partial.loss_


def test_lbfgs_has_no_partial_fit():
    assert not hasattr(BackpropRegressor(solver="lbfgs"), "partial_fit")
    assert not hasattr(BackpropClassifier(solver="lbfgs"), "partial_fit")
    assert hasattr(BackpropRegressor(solver="sgd"), "partial_fit")


@pytest.mark.parametrize("solver", SOLVERS)
def test_loss_curve_and_verbose_for_every_solver(regression_data, solver, capsys):
    X, y = regression_data
    est = _quiet(
        BackpropRegressor(
            hidden_layer_sizes=(5,),
            solver=solver,
            max_iter=7,
            verbose=True,
            random_state=0,
        ).fit,
        X,
        y,
    )
    assert len(est.loss_curve_) == est.n_iter_ > 0
    lines = re.findall(r"Iteration (\d+), loss = ([0-9.e+-]+)", capsys.readouterr().out)
    assert len(lines) == est.n_iter_
    np.testing.assert_allclose([float(v) for _, v in lines], est.loss_curve_, rtol=1e-6)
    assert est.loss_ == pytest.approx(est.loss_curve_[-1])


@pytest.mark.parametrize("solver", SOLVERS)
def test_convergence_warning_at_max_iter(regression_data, solver):
    X, y = regression_data
    with pytest.warns(ConvergenceWarning):
        BackpropRegressor(
            hidden_layer_sizes=(5,), solver=solver, max_iter=2, random_state=0
        ).fit(X, y)


def test_tol_stops_training(regression_data):
    X, y = regression_data
    params = dict(hidden_layer_sizes=(5,), tol=1.0, n_iter_no_change=2, max_iter=100)
    est = BackpropRegressor(**params).fit(X, y)
    # the first epoch improves on +inf, the next three stall: 3 > n_iter_no_change
    assert est.n_iter_ == 4 == MLPRegressor(**params).fit(X, y).n_iter_


def test_adaptive_learning_rate_shrinks(regression_data):
    X, y = regression_data
    est = _quiet(
        BackpropRegressor(
            hidden_layer_sizes=(5,),
            solver="sgd",
            learning_rate="adaptive",
            tol=1.0,
            n_iter_no_change=1,
            max_iter=20,
            learning_rate_init=0.01,
            random_state=0,
        ).fit,
        X,
        y,
    )
    assert est._optimizer_state["rate"] < 0.01


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_divergence_never_leaves_nan_weights(regression_data, solver):
    X, y = regression_data
    est = BackpropRegressor(
        hidden_layer_sizes=(5,),
        solver=solver,
        learning_rate_init=1e6,
        momentum=0.9,
        max_iter=50,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            est.fit(X * 1e3, y * 1e3)
        except ValueError as exc:
            assert "learning_rate_init" in str(exc)
            return
    assert np.isfinite(_theta(est)).all()
    assert np.isfinite(est.predict(X)).all()


def test_divergence_warning_keeps_last_finite_epoch():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(50, 3))
    y = X.sum(axis=1)
    est = BackpropRegressor(
        hidden_layer_sizes=(4,),
        solver="sgd",
        momentum=0,
        learning_rate_init=0.5,
        max_iter=1,
        random_state=0,
        batch_size=50,
    )
    _quiet(est.fit, X, y)
    est.set_params(learning_rate_init=1e30, warm_start=True, max_iter=20)
    with pytest.warns(DivergenceWarning, match="learning_rate_init"):
        est.fit(X * 1e20, y)
    assert np.isfinite(_theta(est)).all()


# ----------------------------------------------------------------------------
# data types and targets
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", [BackpropRegressor, BackpropClassifier])
def test_float32_end_to_end(Est, solver, regression_data, iris):
    X, y = iris if Est is BackpropClassifier else regression_data
    X32 = X.astype(np.float32)
    est = _quiet(
        Est(hidden_layer_sizes=(6,), solver=solver, max_iter=5, random_state=0).fit,
        X32,
        y,
    )
    assert _theta(est).dtype == np.float32
    assert all(c.dtype == np.float32 for c in est.coefs_ + est.intercepts_)
    out = est.predict_proba(X32) if Est is BackpropClassifier else est.predict(X32)
    assert out.dtype == np.float32


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_sparse_input_matches_dense(regression_data, fmt, solver):
    X, y = regression_data
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=5, random_state=0)
    dense = _quiet(BackpropRegressor(**params).fit, X, y)
    sparse = _quiet(BackpropRegressor(**params).fit, sp.csr_matrix(X).asformat(fmt), y)
    np.testing.assert_allclose(_theta(dense), _theta(sparse), rtol=1e-9, atol=1e-12)


def test_multioutput_regression_loss_is_consistent(regression_data):
    X, y = regression_data
    Y = np.column_stack([y, 2 * y, -y])
    est = BackpropRegressor(
        hidden_layer_sizes=(8,), solver="lbfgs", alpha=0, max_iter=50, random_state=0
    )
    _quiet(est.fit, X, Y)
    pred = est.predict(X)
    assert pred.shape == Y.shape
    expected = 0.5 * np.mean(np.sum((Y - pred) ** 2, axis=1))
    assert est.loss_ == pytest.approx(expected, rel=1e-6)


def test_multilabel_and_binary_classification():
    X, Y = make_multilabel_classification(n_samples=80, n_classes=3, random_state=0)
    clf = _quiet(
        BackpropClassifier(
            hidden_layer_sizes=(10,), solver="lbfgs", random_state=0
        ).fit,
        X,
        Y,
    )
    assert clf.predict(X).shape == Y.shape
    assert clf.out_activation_ == "logistic"
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and ((proba > 0) & (proba < 1)).all()

    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    clf = _quiet(
        BackpropClassifier(
            hidden_layer_sizes=(10,), solver="lbfgs", random_state=0
        ).fit,
        X,
        y,
    )
    proba = clf.predict_proba(X)
    assert proba.shape == (80, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba)
    assert clf.score(X, y) > 0.9


def test_multiclass_softmax_and_squared_error_loss(iris):
    X, y = iris
    for loss in ["log_loss", "squared_error"]:
        clf = _quiet(
            BackpropClassifier(
                hidden_layer_sizes=(10,), solver="lbfgs", loss=loss, random_state=0
            ).fit,
            X,
            y,
        )
        assert clf.out_activation_ == "softmax"
        assert clf.score(X, y) > 0.9
        np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1)


@pytest.mark.parametrize("out_activation", ["identity", "logistic", "tanh", "exp"])
def test_regressor_output_activations(out_activation):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(100, 3))
    y = 0.2 + 0.6 * X.mean(axis=1)  # inside every output range
    est = _quiet(
        BackpropRegressor(
            hidden_layer_sizes=(8,),
            solver="lbfgs",
            out_activation=out_activation,
            random_state=0,
            max_iter=500,
        ).fit,
        X,
        y,
    )
    assert est.out_activation_ == out_activation
    assert est.score(X, y) > 0.9


def test_poisson_regression():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(200, 2))
    y = rng.poisson(np.exp(1 + X[:, 0]))
    est = _quiet(
        BackpropRegressor(loss="poisson", solver="lbfgs", random_state=0).fit, X, y
    )
    assert est.out_activation_ == "exp"
    assert (est.predict(X) > 0).all()
    with pytest.raises(ValueError, match="positive output activation"):
        BackpropRegressor(loss="poisson", out_activation="identity").fit(X, y)
    with pytest.raises(ValueError, match="non-negative"):
        BackpropRegressor(loss="poisson").fit(X, -y - 1)


def test_no_intercept_network_keeps_zero_biases(regression_data):
    X, y = regression_data
    for solver in SOLVERS:
        est = _quiet(
            BackpropRegressor(
                hidden_layer_sizes=(5, 3),
                solver=solver,
                fit_intercept=False,
                max_iter=10,
                random_state=0,
            ).fit,
            X,
            y,
        )
        assert all(np.all(b == 0) for b in est.intercepts_)
        assert [b.shape for b in est.intercepts_] == [(5,), (3,), (1,)]
    # with a zero input the bias-free network outputs exactly zero
    assert np.all(est.predict(np.zeros((2, X.shape[1]))) == 0)


def test_no_hidden_layer_is_a_linear_model():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.3
    est = _quiet(
        BackpropRegressor(
            hidden_layer_sizes=(), solver="lbfgs", alpha=0, tol=1e-10, random_state=0
        ).fit,
        X,
        y,
    )
    np.testing.assert_allclose(est.coefs_[0].ravel(), [1.0, -2.0, 0.5], atol=1e-5)
    np.testing.assert_allclose(est.intercepts_[0], [0.3], atol=1e-5)


# ----------------------------------------------------------------------------
# sample weights
@pytest.mark.parametrize("solver", SOLVERS)
def test_zero_weights_equal_removing_rows(regression_data, solver):
    X, y = regression_data
    sw = np.ones(len(y))
    sw[::3] = 0
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=8, random_state=0)
    weighted = _quiet(BackpropRegressor(**params).fit, X, y, sample_weight=sw)
    removed = _quiet(BackpropRegressor(**params).fit, X[sw > 0], y[sw > 0])
    np.testing.assert_array_equal(_theta(weighted), _theta(removed))


@pytest.mark.parametrize("solver", SOLVERS)
def test_integer_weights_equal_repeated_rows_full_batch(regression_data, solver):
    X, y = regression_data
    X, y = X[:40], y[:40]
    sw = np.random.RandomState(0).randint(1, 4, size=len(y))
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=10, random_state=0)
    params["batch_size"] = 1000  # full batch (clipped): shuffling cannot matter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weighted = BackpropRegressor(**params).fit(X, y, sample_weight=sw)
        repeated = BackpropRegressor(**params).fit(
            np.repeat(X, sw, 0), np.repeat(y, sw)
        )
    np.testing.assert_allclose(_theta(weighted), _theta(repeated), rtol=1e-6)


def test_early_stopping_restores_best_weights_and_uses_weights():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    clf = _quiet(
        BackpropClassifier(
            hidden_layer_sizes=(20,),
            early_stopping=True,
            n_iter_no_change=3,
            max_iter=60,
            random_state=0,
        ).fit,
        X,
        y,
    )
    assert len(clf.validation_scores_) == len(clf.validation_loss_curve_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    # the held-out split is the one sklearn's MLP uses; rescoring the restored
    # weights on it gives the best validation score
    ref = _quiet(
        MLPClassifier(
            hidden_layer_sizes=(20,),
            early_stopping=True,
            n_iter_no_change=3,
            max_iter=60,
            random_state=0,
        ).fit,
        X,
        y,
    )
    assert clf.validation_scores_ == pytest.approx(ref.validation_scores_)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), rtol=1e-6)

    sw = np.ones(len(y))
    sw[: len(y) // 2] = 0
    weighted = _quiet(clone(clf).fit, X, y, sample_weight=sw)
    dropped = _quiet(clone(clf).fit, X[len(y) // 2 :], y[len(y) // 2 :])
    assert weighted.validation_scores_ == dropped.validation_scores_


# ----------------------------------------------------------------------------
# estimator plumbing
def test_random_state_gives_bit_identical_fits(regression_data):
    X, y = regression_data
    params = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=11)
    a = _quiet(BackpropRegressor(**params).fit, X, y)
    b = _quiet(BackpropRegressor(**params).fit, X, y)
    np.testing.assert_array_equal(_theta(a), _theta(b))


def test_writing_into_coefs_changes_the_model(regression_data):
    X, y = regression_data
    est = _quiet(
        BackpropRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit, X, y
    )
    before = est.predict(X)
    est.coefs_[1][...] = 0.0
    est.intercepts_[1][...] = 2.5
    np.testing.assert_allclose(est.predict(X), 2.5)
    # re-binding the attributes to new arrays works too
    est.coefs_ = [np.zeros_like(c) for c in est.coefs_]
    est.intercepts_ = [np.full_like(b, 1.0) for b in est.intercepts_]
    np.testing.assert_allclose(est.predict(X), 1.0)
    assert not np.allclose(before, 1.0)
    est.coefs_ = [np.zeros((2, 2))]
    with pytest.raises(ValueError, match="entries"):
        est.predict(X)


@pytest.mark.parametrize("Est", [BackpropRegressor, BackpropClassifier])
def test_pickle_and_clone_round_trip(Est, regression_data, iris):
    X, y = iris if Est is BackpropClassifier else regression_data
    unfitted = pickle.loads(pickle.dumps(Est(hidden_layer_sizes=(3,))))
    assert unfitted.get_params() == Est(hidden_layer_sizes=(3,)).get_params()
    est = _quiet(Est(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit, X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    # the restored attributes are the model: an edit reaches predict
    restored.coefs_[0][...] = 0
    assert np.ptp(restored.predict(X[:20]), axis=0).max() == 0
    cloned = clone(est)
    assert not hasattr(cloned, "coefs_")
    with pytest.raises(NotFittedError):
        cloned.predict(X)
    # continuing training after unpickling works
    _quiet(restored.partial_fit, X, y)


def test_warm_start_continues_and_checks_architecture(regression_data):
    X, y = regression_data
    est = _quiet(
        BackpropRegressor(
            hidden_layer_sizes=(5,), max_iter=3, warm_start=True, random_state=0
        ).fit,
        X,
        y,
    )
    theta = _theta(est)
    _quiet(est.fit, X, y)
    assert not np.array_equal(theta, _theta(est))
    est.set_params(hidden_layer_sizes=(6,))
    with pytest.raises(ValueError, match="architecture changed"):
        est.fit(X, y)
    est.set_params(warm_start=False)
    _quiet(est.fit, X, y)
    assert est.coefs_[0].shape == (X.shape[1], 6)


def test_partial_fit_classes_checks(iris):
    X, y = iris
    clf = BackpropClassifier(hidden_layer_sizes=(5,), solver="sgd", random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert clf.predict_proba(X).shape == (150, 3)
    with pytest.raises(ValueError, match="not in `self.classes_`"):
        clf.partial_fit(X, y + 5)


def test_grid_search_over_pipeline_with_two_jobs(regression_data):
    X, y = regression_data
    grid = {
        "model__learning_rate_init": [1e-3, 1e-2],
        "model__hidden_layer_sizes": [(4,), (8,)],
    }
    pipe = Pipeline(
        [
            ("scale", MinMaxScaler()),
            ("model", BackpropRegressor(max_iter=30, random_state=0)),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
        serial = GridSearchCV(pipe, grid, cv=3, n_jobs=1).fit(X, y)
        # the same grid runs unchanged with sklearn's MLP in place
        GridSearchCV(
            pipe.set_params(model=MLPRegressor(max_iter=30, random_state=0)), grid, cv=3
        ).fit(X, y)
    assert search.best_params_ == serial.best_params_
    assert search.best_score_ == serial.best_score_
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_invalid_hidden_layer_sizes(regression_data):
    X, y = regression_data
    for bad in [(0,), (3, -1), (2.5,)]:
        with pytest.raises(ValueError, match="hidden_layer_sizes"):
            BackpropRegressor(hidden_layer_sizes=bad).fit(X, y)


def test_bad_sample_weight(regression_data):
    X, y = regression_data
    est = BackpropRegressor(max_iter=2, random_state=0)
    with pytest.raises(ValueError, match="entries"):
        est.fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="non-negative"):
        est.fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="all zero"):
        est.fit(X, y, sample_weight=np.zeros(len(y)))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_with_n_init_draws_initial_weights(solver):
    # n_init only applies to fit; the first partial_fit still needs a random start
    X, y = make_regression(60, 4, random_state=0)
    reg = BackpropRegressor(
        hidden_layer_sizes=(5,), solver=solver, n_init=3, random_state=0
    )
    reg.partial_fit(X, y)
    assert all(np.any(W != 0) for W in reg.coefs_)
    single = BackpropRegressor(hidden_layer_sizes=(5,), solver=solver, random_state=0)
    single.partial_fit(X, y)
    np.testing.assert_array_equal(reg.predict(X), single.predict(X))


def test_multilabel_partial_fit_matches_fit():
    X, Y = make_multilabel_classification(60, 5, n_classes=3, random_state=0)
    params = dict(hidden_layer_sizes=(6,), solver="sgd", random_state=0)
    clf = BackpropClassifier(**params).partial_fit(X, Y, classes=[0, 1, 2])
    ref = _quiet(BackpropClassifier(**params, max_iter=1).fit, X, Y)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    np.testing.assert_array_equal(clf.predict_proba(X), ref.predict_proba(X))
    assert clf.predict(X).shape == Y.shape
    clf.partial_fit(X, Y)
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 2


# ----------------------------------------------------------------------------
# restart 0 of n_init=R is the n_init=1 fit
def _first_restart_wins_init(n_layers):
    """An init that draws scikit-learn's Glorot weights for restart 0 and
    gives the other restarts an all-zero start (a poor one), so that the
    fit keeps restart 0 and its weights can be compared."""
    calls = []

    def init(rng, fan_in, fan_out):
        calls.append(None)
        if len(calls) > n_layers:
            return np.zeros((fan_in, fan_out))
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        W = rng.uniform(-bound, bound, (fan_in, fan_out))
        return W, rng.uniform(-bound, bound, fan_out)

    return init


@pytest.mark.parametrize(
    "solver, params",
    [
        ("sgd", {"shuffle": True}),
        ("sgd", {"shuffle": False, "learning_rate": "adaptive"}),
        ("sgd", {"early_stopping": True}),
        ("adam", {"shuffle": True}),
        (
            "adam",
            {"early_stopping": True, "batch_size": 100, "learning_rate_init": 0.1},
        ),
        ("lbfgs", {}),
    ],
)
@pytest.mark.parametrize("Est", [BackpropRegressor, BackpropClassifier])
def test_restart_zero_reproduces_the_single_fit(
    Est, solver, params, regression_data, iris
):
    X, y = iris if Est is BackpropClassifier else regression_data
    base = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        max_iter=40,
        batch_size=16,
        learning_rate_init=0.01,
        n_iter_no_change=4,
        tol=1e-3,
        random_state=11,
    )
    base.update(params)
    single = _quiet(Est(init=_first_restart_wins_init(2), **base).fit, X, y)
    multi = _quiet(Est(init=_first_restart_wins_init(2), n_init=3, **base).fit, X, y)
    assert multi.best_restart_ == 0
    # stacked passes round differently from single ones: close, not equal
    np.testing.assert_allclose(multi.restart_losses_[0], single.loss_, rtol=1e-7)
    assert multi.n_iter_ == single.n_iter_
    np.testing.assert_allclose(multi.loss_curve_, single.loss_curve_, rtol=1e-7)
    for a, b in zip(
        multi.coefs_ + multi.intercepts_, single.coefs_ + single.intercepts_
    ):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    if params.get("early_stopping"):
        np.testing.assert_allclose(
            multi.validation_scores_, single.validation_scores_, rtol=1e-7
        )
        assert multi.best_validation_score_ == pytest.approx(
            single.best_validation_score_
        )


# ----------------------------------------------------------------------
# a validation set given to fit; early stopping on the validation loss
def _validation_problem():
    X, y = make_regression(n_samples=260, n_features=5, noise=5.0, random_state=11)
    X = MinMaxScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    return X[:180], y[:180], X[180:], y[180:]


def _validation_objective(est, X, y):
    """Validation loss by hand: half the mean squared error plus the L2
    penalty divided by the number of validation rows."""
    residual = est.predict(X) - y
    penalty = sum(float((W**2).sum()) for W in est.coefs_)
    return 0.5 * np.mean(residual**2) + 0.5 * est.alpha * penalty / X.shape[0]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("scoring", [None, "loss"])
def test_given_validation_set_drives_early_stopping(scoring):
    X, y, X_val, y_val = _validation_problem()
    est = BackpropRegressor(
        hidden_layer_sizes=(16,),
        early_stopping=True,
        scoring=scoring,
        learning_rate_init=0.01,
        max_iter=80,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    # every training row is trained on: no fraction held out
    assert est.t_ == est.n_iter_ * X.shape[0]
    assert len(est.validation_scores_) == len(est.validation_loss_curve_) == est.n_iter_
    # the kept weights are those of the best epoch on the given set
    if scoring is None:
        assert est.best_validation_loss_ is None
        assert est.best_validation_score_ == max(est.validation_scores_)
        assert est.score(X_val, y_val) == pytest.approx(
            est.best_validation_score_, rel=1e-9
        )
    else:
        assert est.best_validation_score_ is None
        assert est.best_validation_loss_ == min(est.validation_loss_curve_)
        assert _validation_objective(est, X_val, y_val) == pytest.approx(
            est.best_validation_loss_, rel=1e-9
        )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_stopping_on_the_loss_stops_when_the_loss_stalls():
    X, y, X_val, y_val = _validation_problem()
    params = dict(
        hidden_layer_sizes=(32,),
        early_stopping=True,
        scoring="loss",
        learning_rate_init=0.05,
        n_iter_no_change=5,
        tol=1e-3,
        max_iter=500,
        random_state=0,
    )
    est = BackpropRegressor(**params).fit(X, y, X_val=X_val, y_val=y_val)
    assert est.n_iter_ < 500
    curve = np.array(est.validation_loss_curve_)
    best, last_improvement = np.inf, 0
    for i, value in enumerate(curve):  # the rule: improve by more than tol
        if value <= best - params["tol"]:
            last_improvement = i
        best = min(best, value)
    assert len(curve) - 1 - last_improvement == params["n_iter_no_change"] + 1
    # the same fit on the score stops elsewhere
    on_score = BackpropRegressor(**{**params, "scoring": None}).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    assert on_score.best_validation_loss_ is None
    assert on_score.validation_loss_curve_ is not None


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_stopping_on_the_loss_with_stacked_restarts_keeps_the_lowest():
    X, y, X_val, y_val = _validation_problem()
    est = BackpropRegressor(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        scoring="loss",
        n_init=3,
        max_iter=40,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    assert est.best_validation_loss_ == min(est.validation_loss_curve_)
    assert _validation_objective(est, X_val, y_val) == pytest.approx(
        est.best_validation_loss_, rel=1e-9
    )
    singles = [
        BackpropRegressor(
            hidden_layer_sizes=(8,),
            early_stopping=True,
            scoring="loss",
            max_iter=40,
            random_state=0,
        )
    ]
    # restart 0 is the single fit: the kept restart is at least as good
    singles[0].fit(X, y, X_val=X_val, y_val=y_val)
    assert est.best_validation_loss_ <= singles[0].best_validation_loss_ * (1 + 1e-9)


def test_scoring_loss_on_the_internal_split_and_verbose(capsys):
    X, y = load_iris(return_X_y=True)
    est = BackpropClassifier(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        scoring="loss",
        max_iter=5,
        verbose=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    out = capsys.readouterr().out
    assert "Validation loss: " in out and "Validation score: " in out
    assert est.best_validation_loss_ == min(est.validation_loss_curve_)


def test_warm_start_continues_the_best_validation_loss():
    X, y, X_val, y_val = _validation_problem()
    est = BackpropRegressor(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        scoring="loss",
        warm_start=True,
        max_iter=10,
        n_iter_no_change=100,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, X_val=X_val, y_val=y_val)
        first = est.best_validation_loss_
        est.fit(X, y, X_val=X_val, y_val=y_val)
    assert len(est.validation_loss_curve_) == 20
    assert est.best_validation_loss_ <= first
    assert est.best_validation_loss_ == min(est.validation_loss_curve_)


def test_classifier_validation_set_with_string_labels():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    order = np.random.RandomState(0).permutation(len(y))
    X, labels = X[order], labels[order]
    est = BackpropClassifier(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        learning_rate_init=0.01,
        max_iter=60,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X[:100], labels[:100], X_val=X[100:], y_val=labels[100:].reshape(-1, 1))
    assert est.best_validation_score_ == pytest.approx(est.score(X[100:], labels[100:]))


@pytest.mark.parametrize(
    "kwargs, params, message",
    [
        ({"X_val": "X"}, {}, "X_val is provided, but y_val was not"),
        ({"y_val": "y"}, {}, "y_val is provided, but X_val was not"),
        ({"sample_weight_val": "w"}, {}, "sample_weight_val is provided, but X_val"),
        (
            {"X_val": "X", "y_val": "y"},
            {"early_stopping": False},
            "set early_stopping=True",
        ),
        (
            {"X_val": "X", "y_val": "y"},
            {"solver": "lbfgs"},
            "solver='sgd' or 'adam'",
        ),
        ({"X_val": "X3", "y_val": "y"}, {}, "X_val has 3 features, but the training"),
        ({"X_val": "Xnan", "y_val": "y"}, {}, "Input X_val contains NaN"),
        ({"X_val": "X", "y_val": "ynan"}, {}, "Input y_val contains NaN"),
        ({"X_val": "X", "y_val": "y_short"}, {}, "X_val has 80 rows but y_val has 79"),
        ({"X_val": "X", "y_val": "y2"}, {}, "y_val has 2 columns but the training"),
        (
            {"X_val": "X", "y_val": "y", "sample_weight_val": "w_short"},
            {},
            "sample_weight_val has 3 entries but X_val has 80",
        ),
        (
            {"X_val": "X", "y_val": "y", "sample_weight_val": "w_zero"},
            {},
            "sample_weight_val must not be all zero",
        ),
    ],
)
def test_bad_validation_set_gets_a_clear_error(kwargs, params, message):
    X, y, X_val, y_val = _validation_problem()
    values = {
        "X": X_val,
        "y": y_val,
        "w": np.ones(len(y_val)),
        "X3": X_val[:, :3],
        "Xnan": np.where(
            np.arange(X_val.size).reshape(X_val.shape) == 7, np.nan, X_val
        ),
        "ynan": np.r_[np.nan, y_val[1:]],
        "y_short": y_val[1:],
        "y2": np.c_[y_val, y_val],
        "w_short": np.ones(3),
        "w_zero": np.zeros(len(y_val)),
    }
    est = BackpropRegressor(early_stopping=True, max_iter=3, random_state=0)
    est.set_params(**params)
    with pytest.raises(ValueError, match=re.escape(message)):
        est.fit(X, y, **{key: values[name] for key, name in kwargs.items()})
    assert not hasattr(est, "coefs_")


def test_classifier_validation_labels_must_be_training_classes():
    X, y = load_iris(return_X_y=True)
    est = BackpropClassifier(early_stopping=True, max_iter=3, random_state=0)
    with pytest.raises(ValueError, match=r"y_val has classes \[7\] that are not"):
        est.fit(X, y, X_val=X[:5], y_val=np.array([0, 1, 2, 7, 1]))


def test_pipeline_transforms_the_validation_set_with_the_training_scaler():
    from sklearn import config_context

    X, y, X_val, y_val = _validation_problem()
    X, X_val = 50 * X + 3, 50 * X_val - 7  # let the scaler matter
    params = dict(
        hidden_layer_sizes=(8,), early_stopping=True, max_iter=20, random_state=0
    )
    with config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = Pipeline(
            [
                ("scale", MinMaxScaler()),
                (
                    "net",
                    BackpropRegressor(**params).set_fit_request(X_val=True, y_val=True),
                ),
            ],
            transform_input=["X_val"],
        ).fit(X, y, X_val=X_val, y_val=y_val)
        scaler = pipe.named_steps["scale"]
        # the scaler saw the training rows only
        np.testing.assert_array_equal(scaler.data_min_, X.min(axis=0))
        np.testing.assert_array_equal(scaler.data_max_, X.max(axis=0))
        by_hand = BackpropRegressor(**params).fit(
            scaler.transform(X), y, X_val=scaler.transform(X_val), y_val=y_val
        )
    net = pipe.named_steps["net"]
    np.testing.assert_allclose(
        net.validation_scores_, by_hand.validation_scores_, rtol=1e-12
    )
    np.testing.assert_allclose(net.coefs_[0], by_hand.coefs_[0], rtol=1e-12)


def test_grid_search_routes_the_validation_set():
    from sklearn import config_context

    X, y, X_val, y_val = _validation_problem()
    X_val, y_val = X_val[:50], y_val[:50]  # not the length of X: not split by folds
    with config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = BackpropRegressor(
            hidden_layer_sizes=(8,), early_stopping=True, max_iter=15, random_state=0
        ).set_fit_request(X_val=True, y_val=True)
        search = GridSearchCV(est, {"alpha": [1e-4, 1e-2]}, cv=3).fit(
            X, y, X_val=X_val, y_val=y_val
        )
    best = search.best_estimator_
    assert best.score(X_val, y_val) == pytest.approx(
        best.best_validation_score_, rel=1e-9
    )


# ----------------------------------------------------------------------------
# learning-rate schedules for both solvers, warm-up, gradient clipping


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_cosine_partial_fit_calls_continue_the_schedule(solver, regression_data):
    # k partial_fit calls walk the same cosine course as one fit of k epochs
    X, y = regression_data
    params = dict(
        hidden_layer_sizes=(5,),
        solver=solver,
        learning_rate="cosine",
        warmup_epochs=2,
        max_iter=6,
        shuffle=False,
        n_iter_no_change=np.inf,
        learning_rate_init=0.05,
        random_state=0,
    )
    fitted = _quiet(BackpropRegressor(**params).fit, X, y)
    partial = BackpropRegressor(**params)
    for _ in range(6):
        partial.partial_fit(X, y)
    np.testing.assert_allclose(_theta(partial), _theta(fitted), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(partial.loss_curve_, fitted.loss_curve_, rtol=1e-12)
    constant = _quiet(
        BackpropRegressor(**{**params, "learning_rate": "constant"}).fit, X, y
    )
    assert not np.allclose(_theta(constant), _theta(fitted))


def test_warmup_first_epoch_runs_at_a_fraction_of_the_rate(regression_data):
    # full-batch plain gradient descent: epoch 0 of a 3-epoch warm-up steps
    # with eta_0 / 4, exactly the step of a fit with that rate
    X, y = regression_data
    params = dict(
        hidden_layer_sizes=(4,),
        solver="sgd",
        momentum=0.0,
        batch_size=X.shape[0],
        max_iter=1,
        random_state=0,
    )
    warm = _quiet(
        BackpropRegressor(learning_rate_init=0.1, warmup_epochs=3, **params).fit, X, y
    )
    quarter = _quiet(BackpropRegressor(learning_rate_init=0.025, **params).fit, X, y)
    np.testing.assert_array_equal(_theta(warm), _theta(quarter))


def test_adam_takes_the_adaptive_schedule(regression_data):
    # scikit-learn's Adam ignores learning_rate; here 'adaptive' divides the
    # rate on plateaus instead of stopping at the first
    X, y = regression_data
    params = dict(
        hidden_layer_sizes=(5,),
        solver="adam",
        tol=10.0,
        n_iter_no_change=1,
        max_iter=30,
        learning_rate_init=0.01,
        random_state=0,
    )
    constant = _quiet(BackpropRegressor(**params).fit, X, y)
    adaptive = _quiet(BackpropRegressor(learning_rate="adaptive", **params).fit, X, y)
    assert constant.n_iter_ == 3  # epoch 1 improves, 2 and 3 stall: stop
    assert adaptive.n_iter_ > constant.n_iter_
    assert adaptive._optimizer_state["schedule"]["rate"] < 0.01


def test_adam_default_schedule_matches_mlp(regression_data):
    X, y = regression_data
    params = dict(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    ours = _quiet(BackpropRegressor(solver="adam", **params).fit, X, y)
    theirs = _quiet(MLPRegressor(solver="adam", **params).fit, X, y)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-7)


def test_gradient_clipping_tames_a_diverging_step(regression_data):
    X, y = regression_data
    params = dict(
        hidden_layer_sizes=(20,),
        solver="sgd",
        learning_rate_init=2.0,
        momentum=0.9,
        max_iter=50,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wild = BackpropRegressor(**params).fit(X, y)
            wild_score = wild.score(X, y)
        except ValueError:  # diverged from the first epoch
            wild_score = -np.inf
        tamed = BackpropRegressor(max_grad_norm=0.05, **params).fit(X, y)
    assert wild_score < 0.5
    assert np.isfinite(tamed.loss_curve_).all()
    assert tamed.score(X, y) > 0.9


def test_gradient_clipping_with_stacked_restarts(regression_data):
    X, y = regression_data
    params = dict(hidden_layer_sizes=(5,), max_iter=15, random_state=0)
    single = _quiet(BackpropRegressor(max_grad_norm=0.1, **params).fit, X, y)
    stacked = _quiet(BackpropRegressor(max_grad_norm=0.1, n_init=3, **params).fit, X, y)
    # restart 0 of the stacked fit is the single fit, clipped alike
    np.testing.assert_allclose(
        stacked.restart_losses_[0], single.loss_curve_[-1], rtol=1e-7
    )


def test_lbfgs_ignores_the_step_parameters(regression_data):
    X, y = regression_data
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=30, random_state=0)
    plain = _quiet(BackpropRegressor(**params).fit, X, y)
    other = _quiet(
        BackpropRegressor(
            max_grad_norm=1e-3, warmup_epochs=5, learning_rate="cosine", **params
        ).fit,
        X,
        y,
    )
    np.testing.assert_array_equal(_theta(plain), _theta(other))


@pytest.mark.parametrize(
    "params, match",
    [
        (
            dict(learning_rate="cosine", warmup_epochs=10, max_iter=10),
            "warmup_epochs=10",
        ),
        (dict(warmup_epochs=-1), "warmup_epochs"),
        (dict(warmup_epochs=1.5), "warmup_epochs"),
        (dict(max_grad_norm=0.0), "max_grad_norm"),
        (dict(max_grad_norm="big"), "max_grad_norm"),
        (dict(learning_rate="step"), "learning_rate"),
    ],
)
def test_step_parameter_errors(params, match, regression_data):
    X, y = regression_data
    for Est in (BackpropRegressor, BackpropClassifier):
        target = y if Est is BackpropRegressor else (y > 0).astype(int)
        with pytest.raises(ValueError, match=match):
            Est(**params).fit(X, target)


# ----------------------------------------------------------------------------
# hidden activations: the new ones, and one per hidden layer

NEW_ACTIVATIONS = ["leaky_relu", "elu", "softplus", "gelu", "silu"]


@pytest.mark.parametrize(
    "activation", [*NEW_ACTIVATIONS, ("gelu", "tanh"), ["silu", "relu"]]
)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_of_every_activation_check_out(activation, fit_intercept, dtype):
    from skbackprop import check_gradients

    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(25, 3))
    y = np.c_[np.sin(2 * X[:, 0]), X[:, 1] * X[:, 2]]  # two outputs
    params = dict(
        hidden_layer_sizes=(5, 4),
        activation=activation,
        fit_intercept=fit_intercept,
        max_iter=20,
        random_state=0,
    )
    reg = _quiet(BackpropRegressor(**params).fit, X.astype(dtype), y)
    assert reg.coefs_[0].dtype == dtype
    assert check_gradients(reg, X, y).max() < 1e-6
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    clf = _quiet(BackpropClassifier(**params).fit, X.astype(dtype), labels)
    assert check_gradients(clf, X, labels).max() < 1e-6


@pytest.mark.parametrize("activation", NEW_ACTIVATIONS)
def test_new_activations_learn(activation, regression_data):
    X, y = regression_data
    reg = _quiet(
        BackpropRegressor(
            hidden_layer_sizes=(20,),
            activation=activation,
            solver="lbfgs",
            max_iter=200,
            random_state=0,
        ).fit,
        X,
        y,
    )
    assert reg.score(X, y) > 0.95


def test_per_layer_activations(regression_data):
    X, y = regression_data
    params = dict(hidden_layer_sizes=(6, 4), max_iter=10, random_state=0)
    mixed = _quiet(BackpropRegressor(activation=("tanh", "relu"), **params).fit, X, y)
    assert mixed._fitted_activation == ("tanh", "relu")
    # a list is the same setting as the tuple, a repeated name as the string
    as_list = _quiet(BackpropRegressor(activation=["tanh", "relu"], **params).fit, X, y)
    np.testing.assert_array_equal(_theta(as_list), _theta(mixed))
    same = _quiet(BackpropRegressor(activation=("tanh", "tanh"), **params).fit, X, y)
    one = _quiet(BackpropRegressor(activation="tanh", **params).fit, X, y)
    np.testing.assert_array_equal(_theta(same), _theta(one))
    assert not np.array_equal(_theta(mixed), _theta(one))
    # the hidden layers apply their own activations, in predict and transform
    a = X
    for i, name in enumerate(["tanh", "relu"]):
        z = a @ mixed.coefs_[i] + mixed.intercepts_[i]
        a = np.tanh(z) if name == "tanh" else np.maximum(z, 0)
        mixed.set_params(transform_layer=i)
        np.testing.assert_allclose(mixed.transform(X), a, rtol=1e-12)
    out = a @ mixed.coefs_[-1] + mixed.intercepts_[-1]
    np.testing.assert_allclose(mixed.predict(X), out.ravel(), rtol=1e-12)
    # warm start continues with the activations of the parameters
    mixed.set_params(warm_start=True, max_iter=2)
    _quiet(mixed.fit, X, y)
    assert mixed._fitted_activation == ("tanh", "relu")


@pytest.mark.parametrize(
    "activation, match",
    [
        (("relu",), "1 name.*2 hidden layer"),
        (("relu", "tanh", "relu"), "3 name.*2 hidden layer"),
        (("relu", "swish"), "'swish' is not one of"),
        (("relu", None), "None is not one of"),
        ("swish", "activation"),
        (3, "activation"),
    ],
)
def test_activation_errors(activation, match, regression_data):
    X, y = regression_data
    for Est in (BackpropRegressor, BackpropClassifier):
        target = y if Est is BackpropRegressor else (y > 0).astype(int)
        with pytest.raises(ValueError, match=match):
            Est(hidden_layer_sizes=(4, 3), activation=activation).fit(X, target)


# robust and quantile losses
ROBUST_LOSSES = [
    ({"loss": "absolute_error"}, None),
    ({"loss": "huber", "huber_delta": 0.5}, None),
    ({"loss": "quantile", "quantile": 0.8}, None),
]


def _pinball(y, p, q):
    r = y - p
    return np.mean(np.maximum(q * r, (q - 1) * r).sum(axis=-1))


def _reference_loss(params, y, p):
    """The mean loss of ``params`` from its numpy formula."""
    y, p = y.reshape(len(y), -1), p.reshape(len(p), -1)
    loss = params["loss"]
    if loss == "absolute_error":
        return np.mean(np.abs(y - p).sum(axis=-1))
    if loss == "huber":
        d, r = params.get("huber_delta", 1.0), np.abs(y - p)
        h = np.where(r <= d, 0.5 * r**2, d * (r - 0.5 * d))
        return np.mean(h.sum(axis=-1))
    return _pinball(y, p, params.get("quantile", 0.5))


def _heteroscedastic(seed, n):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 1, size=(n, 1))
    y = np.sin(3 * X[:, 0]) + (0.1 + 0.5 * X[:, 0]) * rng.normal(size=n)
    return X, y


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_quantile_regression_covers_the_quantile(solver):
    """On noise that grows with x, the 0.9 quantile network lies above about
    90% of held-out targets, and the 0.1 one below it everywhere (coverage
    was 0.88-0.91 over six seeds of each solver)."""
    X, y = _heteroscedastic(0, 2000)
    X_test, y_test = _heteroscedastic(100, 4000)
    params = {"hidden_layer_sizes": (16,), "solver": solver, "max_iter": 300}
    if solver == "adam":
        params["learning_rate_init"] = 0.01
    high = _quiet(
        BackpropRegressor(loss="quantile", quantile=0.9, random_state=1, **params).fit,
        X,
        y,
    )
    low = _quiet(
        BackpropRegressor(loss="quantile", quantile=0.1, random_state=1, **params).fit,
        X,
        y,
    )
    p_high, p_low = high.predict(X_test), low.predict(X_test)
    assert 0.85 <= np.mean(y_test <= p_high) <= 0.95
    assert 0.05 <= np.mean(y_test <= p_low) <= 0.15
    assert np.all(p_low < p_high)
    # the band widens with the noise
    width = p_high - p_low
    assert width[X_test[:, 0] > 0.8].mean() > 2 * width[X_test[:, 0] < 0.2].mean()


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_absolute_error_and_huber_resist_outliers(solver):
    """10% of the targets shifted by +20: the squared error's fit moves by
    about 2, the median and Huber fits stay on the clean function."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(300, 2))
    y = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.normal(size=300)
    y[rng.choice(300, 30, replace=False)] += 20.0
    X_test = rng.uniform(-1, 1, size=(500, 2))
    f_test = X_test[:, 0] - 2 * X_test[:, 1]
    rmse = {}
    for loss in ("squared_error", "absolute_error", "huber"):
        params = {"learning_rate_init": 0.01} if solver == "adam" else {}
        reg = BackpropRegressor(
            loss=loss,
            hidden_layer_sizes=(8,),
            solver=solver,
            max_iter=500,
            random_state=0,
            **params,
        )
        _quiet(reg.fit, X, y)
        rmse[loss] = np.sqrt(np.mean((reg.predict(X_test) - f_test) ** 2))
    assert rmse["squared_error"] > 1.5
    assert rmse["absolute_error"] < 0.1
    assert rmse["huber"] < 0.3


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("params, _", ROBUST_LOSSES)
def test_robust_losses_fit_with_every_solver_without_runtime_warnings(
    params, _, solver, regression_data
):
    X, y = regression_data
    y2 = np.c_[y, -0.5 * y + 0.3]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = BackpropRegressor(
            hidden_layer_sizes=(8,),
            solver=solver,
            max_iter=40,
            random_state=0,
            alpha=0.0,
            **params,
        ).fit(X, y2)
        p = reg.predict(X)
        score = reg.score(X, y2)
        extreme = reg.predict(np.full((2, X.shape[1]), 1e300))
    assert reg.out_activation_ == "identity"
    assert np.isfinite(reg.loss_) and np.all(np.isfinite(p))
    assert extreme.shape == (2, 2)
    # score stays R^2, whatever the loss
    from sklearn.metrics import r2_score

    assert score == pytest.approx(r2_score(y2, p))
    if solver == "lbfgs":
        # the final objective is the loss of params (not of a default one)
        assert reg.loss_ == pytest.approx(_reference_loss(params, y2, p), rel=1e-10)
        # noise_variance_: the mean squared residual of the final weights
        np.testing.assert_allclose(
            reg.noise_variance_, np.mean((y2 - p) ** 2, axis=0), rtol=1e-10
        )
    else:
        # the last epoch's residuals, each batch's before its update: close to
        # the final weights' mean squared residual, and not a loss value
        np.testing.assert_allclose(
            reg.noise_variance_, np.mean((y2 - p) ** 2, axis=0), rtol=0.3
        )


def test_loss_parameters_reach_the_training():
    """quantile and huber_delta change the fit; other losses ignore them."""
    X, y = _heteroscedastic(0, 300)

    def fit(**params):
        reg = BackpropRegressor(
            hidden_layer_sizes=(5,),
            solver="lbfgs",
            max_iter=50,
            random_state=0,
            **params,
        )
        return _theta(_quiet(reg.fit, X, y))

    assert not np.allclose(
        fit(loss="quantile", quantile=0.3), fit(loss="quantile", quantile=0.7)
    )
    assert not np.allclose(
        fit(loss="huber", huber_delta=0.05), fit(loss="huber", huber_delta=2.0)
    )
    np.testing.assert_array_equal(
        fit(loss="absolute_error", quantile=0.3, huber_delta=3.0),
        fit(loss="absolute_error"),
    )
    np.testing.assert_array_equal(fit(quantile=0.3), fit())


def _away_from_the_kinks(reg, X, n_outputs, delta, rng):
    """Targets whose residuals at the fitted weights keep at least 0.05
    (and 5% of delta) from 0 and from +-delta."""
    p = reg.predict(X).reshape(len(X), -1)
    size = np.where(
        rng.integers(0, 2, size=p.shape) == 1,
        rng.uniform(0.1, 0.9, size=p.shape) * delta,
        rng.uniform(1.1, 3.0, size=p.shape) * delta,
    )
    size = np.maximum(size, 0.05)
    y = p + np.where(rng.integers(0, 2, size=p.shape) == 1, size, -size)
    return y if n_outputs > 1 else y[:, 0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(
    "params",
    [
        {"loss": "absolute_error"},
        {"loss": "huber"},
        {"loss": "huber", "huber_delta": 0.3},
        {"loss": "quantile", "quantile": 0.9},
        {"loss": "quantile", "quantile": 0.25, "out_activation": "tanh"},
    ],
)
def test_check_gradients_of_robust_losses(params, fit_intercept, n_outputs, dtype):
    from skbackprop import check_gradients

    rng = np.random.default_rng(0)
    X = rng.normal(size=(15, 3))
    y = rng.normal(size=(15, n_outputs)) * 0.5
    y = y if n_outputs > 1 else y[:, 0]
    reg = BackpropRegressor(
        hidden_layer_sizes=(4, 3),
        activation="tanh",
        solver="lbfgs",
        max_iter=20,
        alpha=1e-3,
        fit_intercept=fit_intercept,
        random_state=0,
        **params,
    )
    _quiet(reg.fit, X.astype(dtype), (y * 0.5 if "out_activation" in params else y))
    assert reg.coefs_[0].dtype == dtype
    y_check = _away_from_the_kinks(
        reg, X, n_outputs, params.get("huber_delta", 1.0), rng
    )
    if "out_activation" in params:  # tanh outputs
        y_check = np.clip(y_check, -0.99, 0.99)
    w = rng.uniform(0.5, 2.0, size=len(X))
    assert np.all(check_gradients(reg, X, y_check) < 1e-6)
    assert np.all(check_gradients(reg, X, y_check, sample_weight=w) < 1e-6)


def test_lbfgs_line_search_failure_on_a_kinked_loss_says_why(
    regression_data, monkeypatch
):
    """L-BFGS assumes a smooth objective; should its line search fail on a
    piecewise linear loss, the warning names the kink, not the scaling."""
    import skbackprop._training as training

    real = training.minimize_lbfgs

    def failing(*args, **kwargs):
        result = real(*args, **kwargs)
        result.status, result.message = 2, "ABNORMAL_TERMINATION_IN_LNSRCH"
        return result

    monkeypatch.setattr(training, "minimize_lbfgs", failing)
    X, y = regression_data
    for loss in ("absolute_error", "quantile"):
        reg = BackpropRegressor(loss=loss, solver="lbfgs", max_iter=30, random_state=0)
        with pytest.warns(ConvergenceWarning, match="not differentiable") as record:
            reg.fit(X, y)
        assert "MinMaxScaler" not in str(record[0].message)
        assert np.all(np.isfinite(reg.predict(X)))  # the weights reached are kept
    with pytest.warns(ConvergenceWarning, match="MinMaxScaler"):
        BackpropRegressor(
            loss="huber", solver="lbfgs", max_iter=30, random_state=0
        ).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"loss": "quantile", "quantile": 0.0}, "quantile"),
        ({"loss": "quantile", "quantile": 1.0}, "quantile"),
        ({"loss": "quantile", "quantile": -0.5}, "quantile"),
        ({"loss": "quantile", "quantile": "high"}, "quantile"),
        ({"quantile": 1.5}, "quantile"),
        ({"loss": "huber", "huber_delta": 0.0}, "huber_delta"),
        ({"loss": "huber", "huber_delta": -1.0}, "huber_delta"),
        ({"loss": "huber", "huber_delta": None}, "huber_delta"),
        ({"loss": "pinball"}, "loss"),
    ],
)
def test_bad_loss_parameters(params, match, regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match=match):
        BackpropRegressor(**params).fit(X, y)


@pytest.mark.parametrize("params, _", ROBUST_LOSSES)
def test_robust_loss_pickle_round_trip_keeps_the_loss(params, _, regression_data):
    X, y = regression_data
    reg = BackpropRegressor(
        hidden_layer_sizes=(5,), max_iter=5, random_state=0, **params
    )
    _quiet(reg.fit, X, y)
    loaded = pickle.loads(pickle.dumps(reg))
    assert loaded.get_params() == reg.get_params()
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    # training continues with the same loss
    _quiet(loaded.partial_fit, X, y)
    _quiet(reg.partial_fit, X, y)
    np.testing.assert_array_equal(_theta(loaded), _theta(reg))
    other = clone(reg).set_params(loss="squared_error")
    _quiet(other.fit, X, y)
    _quiet(other.partial_fit, X, y)
    assert not np.allclose(_theta(other), _theta(reg))
