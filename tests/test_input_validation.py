"""Bad input and bad parameters give clear errors.

Every case checks the exception type *and* that its message names the
problem (a regex): never an IndexError, ZeroDivisionError, FloatingPointError,
a shape crash deep in the engine or an empty message.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skbackprop import BackpropClassifier, BackpropRegressor

ESTIMATORS = [BackpropRegressor, BackpropClassifier]
SOLVERS = ["sgd", "adam", "lbfgs"]
STOCHASTIC = ["sgd", "adam"]

# small and fast: every fit below runs a handful of epochs on 20 x 3 data
FAST = dict(hidden_layer_sizes=(3,), max_iter=3, random_state=0)


def _data(Est, n_samples=20, n_features=3):
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (n_samples, n_features))
    if Est is BackpropClassifier:
        y = np.arange(n_samples) % 2
    else:
        y = X.sum(axis=1)
    return X, y


def _fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kwargs)


def _fitted(Est, **params):
    X, y = _data(Est)
    return _fit(Est(**{**FAST, **params}), X, y), X, y


def _prediction_methods(Est):
    if Est is BackpropClassifier:
        return ["predict", "predict_proba", "predict_log_proba"]
    return ["predict"]


# ----------------------------------------------------------------------------
# non-finite values
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "value, pattern",
    [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")],
)
def test_non_finite_X_in_fit(Est, value, pattern):
    X, y = _data(Est)
    X[3, 1] = value
    with pytest.raises(ValueError, match=f"Input X contains {pattern}"):
        Est(**FAST).fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "value, pattern",
    [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")],
)
def test_non_finite_y_in_fit(Est, value, pattern):
    X, y = _data(Est)
    y = y.astype(float)
    y[5] = value
    with pytest.raises(ValueError, match=f"Input y contains {pattern}"):
        Est(**FAST).fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_X_in_predict(Est, value):
    est, X, _ = _fitted(Est)
    X = X.copy()
    X[0, 0] = value
    for method in _prediction_methods(Est):
        with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
            getattr(est, method)(X)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_non_finite_X_in_partial_fit(Est, solver):
    X, y = _data(Est)
    X[0, 0] = np.nan
    kwargs = {"classes": [0, 1]} if Est is BackpropClassifier else {}
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Est(**FAST, solver=solver).partial_fit(X, y, **kwargs)


# ----------------------------------------------------------------------------
# empty or too small inputs
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_empty_X(Est):
    X, y = _data(Est)
    with pytest.raises(ValueError, match="0 sample"):
        Est(**FAST).fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="0 feature"):
        Est(**FAST).fit(X[:, :0], y)
    est, X, _ = _fitted(Est)
    for method in _prediction_methods(Est):
        with pytest.raises(ValueError, match="0 sample"):
            getattr(est, method)(X[:0])


def _sklearn_twin(Est):
    return MLPClassifier if Est is BackpropClassifier else MLPRegressor


def _error_of(est, X, y, **kwargs):
    with pytest.raises(ValueError) as info:
        _fit(est, X, y, **kwargs)
    return str(info.value)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("n_samples", [1, 2, 5])
def test_too_few_samples_for_early_stopping_as_sklearn(Est, solver, n_samples):
    # the validation split is scikit-learn's: never enlarged, at least two rows
    X, y = _data(Est)
    params = dict(**FAST, solver=solver, early_stopping=True)
    ours = _error_of(Est(**params), X[:n_samples], y[:n_samples])
    theirs = _error_of(_sklearn_twin(Est)(**params), X[:n_samples], y[:n_samples])
    # the same error (a class list is spelled as the encoded targets are)
    assert ours.split("Classes with")[0] == theirs.split("Classes with")[0]
    assert any(
        reason in ours
        for reason in (
            "validation set is too small",
            "train set will be empty",
            "greater or equal to the number of classes",
            "least populated class",
        )
    )


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_early_stopping_with_a_one_member_class_as_sklearn(solver):
    # binary targets are stratified (multiclass ones are not, in scikit-learn
    # either): a class with a single row cannot be
    X, y = _data(BackpropClassifier)
    y = np.zeros_like(y)
    y[0] = 1
    params = dict(**FAST, solver=solver, early_stopping=True)
    ours = _error_of(BackpropClassifier(**params), X, y)
    theirs = _error_of(MLPClassifier(**params), X, y)
    # the same error; it names the classes as the encoded targets spell them
    assert ours.split("Classes with")[0] == theirs.split("Classes with")[0]
    assert "least populated class" in ours


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("after_fit", [False, True])
def test_partial_fit_refuses_early_stopping_as_sklearn(Est, after_fit):
    X, y = _data(Est)
    est = Est(**FAST, early_stopping=True)
    kwargs = {"classes": np.unique(y)} if Est is BackpropClassifier else {}
    if after_fit:
        _fit(est, X, y)
    before = {k: v for k, v in vars(est).items() if k.endswith("_")}
    with pytest.raises(
        ValueError, match="partial_fit does not support early_stopping=True"
    ):
        est.partial_fit(X, y, **kwargs)
    with pytest.raises(
        ValueError, match="partial_fit does not support early_stopping=True"
    ):
        _sklearn_twin(Est)(**FAST, early_stopping=True).partial_fit(X, y, **kwargs)
    assert sorted(k for k in vars(est) if k.endswith("_")) == sorted(before)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_best_loss_is_none_with_early_stopping_as_sklearn(Est, solver):
    X, y = _data(Est, n_samples=40)
    est = _fit(Est(**FAST, solver=solver, early_stopping=True), X, y)
    twin = _fit(_sklearn_twin(Est)(**FAST, solver=solver, early_stopping=True), X, y)
    assert est.best_loss_ is None and twin.best_loss_ is None
    assert isinstance(est.best_validation_score_, float)
    est = _fit(Est(**FAST, solver=solver), X, y)
    assert est.best_loss_ == min(est.loss_curve_)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_one_sample_fits_where_the_solver_can_work(Est, solver):
    X, y = _data(Est)
    est = _fit(Est(**FAST, solver=solver), X[:1], y[:1])
    assert np.all(np.isfinite(np.asarray(est.predict(X), dtype=float)))


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_inconsistent_lengths(Est):
    X, y = _data(Est)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Est(**FAST).fit(X, y[:-1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Est(**FAST).fit(X[:-2], y)


# ----------------------------------------------------------------------------
# predict-time consistency with fit
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("n_features", [2, 4])
def test_predict_with_a_different_number_of_features(Est, n_features):
    est, X, _ = _fitted(Est)
    X_other = np.ones((5, n_features))
    for method in _prediction_methods(Est) + ["score"]:
        args = (X_other,) if method != "score" else (X_other, _data(Est)[1][:5])
        with pytest.raises(
            ValueError, match=f"X has {n_features} features.*expecting 3 features"
        ):
            getattr(est, method)(*args)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_with_a_different_number_of_features(Est, solver):
    est, X, y = _fitted(Est, solver=solver)
    with pytest.raises(ValueError, match="X has 2 features.*expecting 3 features"):
        est.partial_fit(X[:, :2], y)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_warm_start_with_a_different_number_of_features(Est):
    est, X, y = _fitted(Est, warm_start=True)
    with pytest.raises(ValueError, match="X has 4 features.*expecting 3 features"):
        est.fit(np.hstack([X, X[:, :1]]), y)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_predict_with_different_feature_names(Est):
    pd = pytest.importorskip("pandas")
    X, y = _data(Est)
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    est = _fit(Est(**FAST), df, y)
    np.testing.assert_array_equal(est.feature_names_in_, ["a", "b", "c"])
    renamed = df.rename(columns={"a": "z"})
    reordered = df[["b", "a", "c"]]
    for method in _prediction_methods(Est):
        with pytest.raises(ValueError, match="feature names should match"):
            getattr(est, method)(renamed)
        with pytest.raises(ValueError, match="same order"):
            getattr(est, method)(reordered)
        with pytest.raises(ValueError, match="feature names should match"):
            getattr(est, method)(df[["a", "b"]])
    # a plain array is accepted with a warning, as everywhere in scikit-learn
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.predict(X)


# ----------------------------------------------------------------------------
# non-numeric data
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_strings_in_X(Est):
    X, y = _data(Est)
    X_str = X.astype(object)
    X_str[2, 1] = "abc"
    with pytest.raises(ValueError, match="could not convert string to float"):
        Est(**FAST).fit(X_str, y)
    with pytest.raises(ValueError, match="could not convert string to float"):
        Est(**FAST).fit(np.full(X.shape, "x"), y)
    est, _, _ = _fitted(Est)
    for method in _prediction_methods(Est):
        with pytest.raises(ValueError, match="could not convert string to float"):
            getattr(est, method)(X_str)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_objects_in_X(Est):
    X, y = _data(Est)
    X_obj = X.astype(object)
    X_obj[0, 0] = object()
    with pytest.raises(
        (TypeError, ValueError), match="(float|real number|convert).*object"
    ):
        Est(**FAST).fit(X_obj, y)
    X_dict = X.astype(object)
    X_dict[1, 2] = {"a": 1}
    with pytest.raises((TypeError, ValueError), match="float|real number|convert"):
        Est(**FAST).fit(X_dict, y)
    est, _, _ = _fitted(Est)
    with pytest.raises((TypeError, ValueError), match="(float|real number|convert)"):
        est.predict(X_obj)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_complex_X(Est):
    X, y = _data(Est)
    with pytest.raises(ValueError, match="(?i)complex data not supported"):
        Est(**FAST).fit(X + 1j, y)
    est, _, _ = _fitted(Est)
    for method in _prediction_methods(Est):
        with pytest.raises(ValueError, match="(?i)complex data not supported"):
            getattr(est, method)(X + 0j)


@pytest.mark.parametrize(
    "y_bad, exc, pattern",
    [
        (np.array(["a", "b"] * 10), ValueError, "could not convert string to float"),
        (np.array([object()] * 20), (TypeError, ValueError), "float|real number"),
        (np.arange(20) + 1j, ValueError, "(?i)complex data not supported"),
    ],
    ids=["strings", "objects", "complex"],
)
def test_non_numeric_regression_target(y_bad, exc, pattern):
    X, _ = _data(BackpropRegressor)
    with pytest.raises(exc, match=pattern):
        BackpropRegressor(**FAST).fit(X, y_bad)


def test_continuous_target_for_the_classifier():
    X, y = _data(BackpropRegressor)
    with pytest.raises(ValueError, match="Unknown label type.*continuous"):
        BackpropClassifier(**FAST).fit(X, y)


# ----------------------------------------------------------------------------
# hyperparameters
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "sizes",
    [(0,), (-1,), (3, 0), (4, -2), 0, -3, (2.5,), (3, 1.5), ("4",), None, "abc"],
    ids=repr,
)
def test_bad_hidden_layer_sizes(Est, sizes):
    X, y = _data(Est)
    est = Est(hidden_layer_sizes=sizes, max_iter=2, random_state=0)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        est.fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("sizes", [3, (3,), [2, 2], (np.int64(3),), np.array([2])])
def test_good_hidden_layer_sizes(Est, sizes):
    X, y = _data(Est)
    est = _fit(Est(hidden_layer_sizes=sizes, max_iter=2, random_state=0), X, y)
    assert est.n_layers_ == 2 + np.size(sizes)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "params",
    [
        {"learning_rate_init": 0.0},
        {"learning_rate_init": -0.1},
        {"learning_rate_init": np.nan},
        {"learning_rate_init": np.inf},
        {"learning_rate_init": [0.1, 0.0]},
        {"learning_rate_init": [0.1, -1.0]},
        {"learning_rate_init": [0.1]},
        {"learning_rate_init": "fast"},
    ],
    ids=lambda p: repr(p["learning_rate_init"]),
)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_bad_learning_rate(Est, params, solver):
    X, y = _data(Est)
    with pytest.raises(ValueError, match="learning_rate_init"):
        Est(**{**FAST, **params}, solver=solver).fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "name, value",
    [
        ("tol", -1e-3),
        ("tol", -np.inf),
        ("tol", np.nan),
        ("batch_size", 0),
        ("batch_size", -5),
        ("batch_size", 2.5),
        ("batch_size", "all"),
        ("validation_fraction", 0.0),
        ("validation_fraction", 1.0),
        ("validation_fraction", -0.1),
        ("validation_fraction", 1.5),
        ("max_iter", 0),
        ("alpha", -1.0),
        ("momentum", 1.5),
        ("beta_1", 1.0),
        ("beta_2", -0.1),
        ("epsilon", 0.0),
        ("n_iter_no_change", 0),
        ("max_fun", 0),
        ("n_init", 0),
        ("power_t", -1.0),
    ],
)
def test_out_of_range_parameters(Est, name, value):
    X, y = _data(Est)
    params = {**FAST, name: value}
    if name == "validation_fraction":
        params["early_stopping"] = True
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        Est(**params).fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "name, value",
    [
        ("activation", "sigmoid"),
        ("activation", "softmax"),  # an output activation, not a hidden one
        ("activation", "RELU"),
        ("solver", "newton"),
        ("solver", "SGD"),
        ("learning_rate", "cyclic"),
        ("loss", "hinge"),
    ],
)
def test_unknown_names(Est, name, value):
    X, y = _data(Est)
    with pytest.raises(ValueError, match=f"'{name}' parameter.*{value}"):
        Est(**{**FAST, name: value}).fit(X, y)


@pytest.mark.parametrize(
    "Est, loss",
    [(BackpropRegressor, "log_loss"), (BackpropClassifier, "poisson")],
)
def test_loss_of_the_other_estimator(Est, loss):
    X, y = _data(Est)
    with pytest.raises(ValueError, match=f"'loss' parameter.*{loss}"):
        Est(**FAST, loss=loss).fit(X, y)


@pytest.mark.parametrize("value", ["softmax", "relu", "sigmoid"])
def test_unknown_out_activation(value):
    X, y = _data(BackpropRegressor)
    with pytest.raises(ValueError, match=f"'out_activation' parameter.*{value}"):
        BackpropRegressor(**FAST, out_activation=value).fit(X, y)


@pytest.mark.skipif(
    not hasattr(BackpropRegressor(), "init"),
    reason="the estimators have no `init` parameter",
)
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("value", ["he_normal", "glorot", "", 3])
def test_unknown_init(Est, value):
    X, y = _data(Est)
    with pytest.raises(ValueError, match="'init' parameter"):
        Est(**FAST, init=value).fit(X, y)


@pytest.mark.skipif(
    not hasattr(BackpropRegressor(), "init"),
    reason="the estimators have no `init` parameter",
)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_init_callable_with_wrong_shape_or_values(Est):
    X, y = _data(Est)

    def wrong_shape(rng, fan_in, fan_out):
        return np.zeros((fan_out, fan_in + 1))

    def not_finite(rng, fan_in, fan_out):
        return np.full((fan_in, fan_out), np.nan)

    with pytest.raises(ValueError, match="init returned weights of shape"):
        Est(**FAST, init=wrong_shape).fit(X, y)
    with pytest.raises(ValueError, match="init produced non-finite"):
        Est(**FAST, init=not_finite).fit(X, y)


# ----------------------------------------------------------------------------
# sample weights
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "make_weights, pattern",
    [
        (lambda n: np.ones(n - 1), "sample_weight has 19 entries but X has 20"),
        (lambda n: np.ones(n + 5), "sample_weight has 25 entries but X has 20"),
        (lambda n: np.r_[-1.0, np.ones(n - 1)], "sample_weight must be non-negative"),
        (lambda n: np.zeros(n), "sample_weight must not be all zero"),
        (lambda n: np.ones((n, 1)), "sample_weight must be 1D"),
        (lambda n: np.r_[np.nan, np.ones(n - 1)], "sample_weight contains NaN"),
        (lambda n: np.r_[np.inf, np.ones(n - 1)], "sample_weight contains infinity"),
    ],
    ids=["short", "long", "negative", "all-zero", "2d", "nan", "inf"],
)
def test_bad_sample_weight(Est, solver, make_weights, pattern):
    X, y = _data(Est)
    with pytest.raises(ValueError, match=pattern):
        Est(**FAST, solver=solver).fit(X, y, sample_weight=make_weights(len(y)))


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_bad_sample_weight_in_partial_fit(Est, solver):
    X, y = _data(Est)
    kwargs = {"classes": [0, 1]} if Est is BackpropClassifier else {}
    est = Est(**FAST, solver=solver)
    with pytest.raises(ValueError, match="sample_weight has 3 entries"):
        est.partial_fit(X, y, sample_weight=np.ones(3), **kwargs)
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        est.partial_fit(X, y, sample_weight=-np.ones(len(y)), **kwargs)
    with pytest.raises(ValueError, match="sample_weight must not be all zero"):
        est.partial_fit(X, y, sample_weight=np.zeros(len(y)), **kwargs)


# ----------------------------------------------------------------------------
# partial_fit classes
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_label_outside_classes(solver):
    X, y = _data(BackpropClassifier)
    clf = BackpropClassifier(**FAST, solver=solver)
    # first call: a label missing from `classes`
    with pytest.raises(ValueError, match="classes not in `self.classes_`.*7"):
        clf.partial_fit(X, np.where(y == 1, 7, 0), classes=[0, 1])
    clf = BackpropClassifier(**FAST, solver=solver)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    # later call: a label outside `classes`
    with pytest.raises(ValueError, match="classes not in `self.classes_`.*5"):
        clf.partial_fit(X, y + 5)
    # and `classes` itself may not change
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X, y, classes=[0, 1, 3])


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_without_classes(solver):
    X, y = _data(BackpropClassifier)
    with pytest.raises(ValueError, match="classes must be passed"):
        BackpropClassifier(**FAST, solver=solver).partial_fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_is_not_available_for_lbfgs(Est):
    X, y = _data(Est)
    est = Est(solver="lbfgs", random_state=0)
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        est.partial_fit(X, y)


# ----------------------------------------------------------------------------
# not fitted
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_predict_before_fit(Est):
    X, y = _data(Est)
    est = Est()
    for method in _prediction_methods(Est):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(est, method)(X)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        est.score(X, y)


# ----------------------------------------------------------------------------
# warm start after set_params
# all different from the (3,) of FAST
ARCHITECTURES = [(5,), (3, 3), (), (2,)]


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("new_sizes", ARCHITECTURES, ids=repr)
def test_warm_start_after_architecture_change(Est, solver, new_sizes):
    est, X, y = _fitted(Est, solver=solver, warm_start=True)
    est.set_params(hidden_layer_sizes=new_sizes)
    with pytest.raises(ValueError, match="architecture changed"):
        est.fit(X, y)
    # the failed call left the fitted model untouched and usable
    assert est.coefs_[0].shape == (3, 3)
    assert np.all(np.isfinite(np.asarray(est.predict(X), dtype=float)))
    # without warm_start the new architecture is trained from scratch
    est.set_params(warm_start=False)
    _fit(est, X, y)
    widths = [c.shape[1] for c in est.coefs_[:-1]]
    assert tuple(widths) == tuple(new_sizes)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_after_architecture_change(Est, solver):
    est, X, y = _fitted(Est, solver=solver)
    est.set_params(hidden_layer_sizes=(6,))
    with pytest.raises(ValueError, match="architecture changed"):
        est.partial_fit(X, y)


def test_warm_start_with_a_different_number_of_outputs():
    est, X, y = _fitted(BackpropRegressor, warm_start=True)
    with pytest.raises(ValueError, match="architecture changed"):
        est.fit(X, np.c_[y, y])


def test_warm_start_with_different_classes():
    est, X, y = _fitted(BackpropClassifier, warm_start=True)
    with pytest.raises(ValueError, match="same classes"):
        est.fit(X, np.arange(len(y)) % 3)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_warm_start_after_turning_on_early_stopping(Est, solver):
    # not an architecture change: continuing must work (or fail clearly)
    X, y = _data(Est, n_samples=40)
    est = _fit(Est(**FAST, solver=solver, warm_start=True), X, y)
    est.set_params(early_stopping=True)
    try:
        _fit(est, X, y)
    except ValueError as exc:
        assert "early_stopping" in str(exc)
    else:
        assert len(est.validation_scores_) >= 1
        assert np.isfinite(est.best_validation_score_)
        assert np.all(np.isfinite(np.asarray(est.predict(X), dtype=float)))


def _manual_forward(est, X):
    """Forward pass from the public coefs_/intercepts_ (identity output)."""
    act = {
        "identity": lambda z: z,
        "relu": lambda z: np.maximum(z, 0),
        "tanh": np.tanh,
        "logistic": lambda z: 1 / (1 + np.exp(-z)),
    }[est.activation]
    a = X
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        a = a @ W + b
        if i < len(est.coefs_) - 1:
            a = act(a)
    return a


@pytest.mark.parametrize("solver", SOLVERS)
def test_warm_start_after_dropping_intercepts(solver):
    # fit_intercept changes the architecture: either refuse clearly, or
    # continue with a model whose public attributes describe it (zero biases)
    est, X, y = _fitted(BackpropRegressor, solver=solver, warm_start=True)
    assert np.any(est.intercepts_[0] != 0)
    est.set_params(fit_intercept=False)
    try:
        _fit(est, X, y)
    except ValueError as exc:
        assert "fit_intercept" in str(exc)
        return
    for b in est.intercepts_:
        np.testing.assert_array_equal(b, 0.0)
    np.testing.assert_allclose(est.predict(X), _manual_forward(est, X).ravel())


# ----------------------------------------------------------------------------
# gaps found in the audit of the requirements above
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize(
    "value, pattern", [(np.nan, "NaN"), (np.inf, "infinity")], ids=["nan", "inf"]
)
def test_non_finite_y_in_partial_fit(Est, solver, value, pattern):
    X, y = _data(Est)
    y = y.astype(float)
    y[2] = value
    kwargs = {"classes": [0, 1]} if Est is BackpropClassifier else {}
    with pytest.raises(ValueError, match=f"Input y contains {pattern}"):
        Est(**FAST, solver=solver).partial_fit(X, y, **kwargs)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_missing_value_in_regression_target(solver, n_outputs):
    X, y = _data(BackpropRegressor)
    y_obj = np.empty((len(y), n_outputs), dtype=object)
    y_obj[:] = y[:, None]
    y_obj[4, 0] = None  # e.g. y = [1.2, None, 3.4, ...] from a plain list
    if n_outputs == 1:
        y_obj = y_obj.ravel()
    with pytest.raises(ValueError, match="(?i)Input y contains NaN"):
        BackpropRegressor(**FAST, solver=solver).fit(X, y_obj)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_empty_or_inconsistent_inputs(Est, solver):
    X, y = _data(Est)
    kwargs = {"classes": [0, 1]} if Est is BackpropClassifier else {}
    with pytest.raises(ValueError, match="0 sample"):
        Est(**FAST, solver=solver).partial_fit(X[:0], y[:0], **kwargs)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Est(**FAST, solver=solver).partial_fit(X, y[:-1], **kwargs)
    # and on a later call, once the model exists
    est = Est(**FAST, solver=solver).partial_fit(X, y, **kwargs)
    with pytest.raises(ValueError, match="0 sample"):
        est.partial_fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        est.partial_fit(X[:-1], y)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_zero_weights_leaving_one_sample_for_early_stopping(Est, solver):
    # rows of weight zero are dropped: one positive weight leaves one sample,
    # too few for a validation split
    X, y = _data(Est)
    sample_weight = np.zeros(len(y))
    sample_weight[3] = 1.0
    est = Est(**FAST, solver=solver, early_stopping=True)
    with pytest.raises(ValueError, match="train set will be empty"):
        est.fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_class_of_zero_weight_rows_stays_in_classes_as_sklearn(solver):
    X, y = _data(BackpropClassifier, n_samples=30)
    y = np.array(y)
    y[:4] = 9
    sample_weight = np.where(y == 9, 0.0, 1.0)
    est = _fit(
        BackpropClassifier(**FAST, solver=solver), X, y, sample_weight=sample_weight
    )
    twin = _fit(MLPClassifier(**FAST, solver=solver), X, y, sample_weight=sample_weight)
    np.testing.assert_array_equal(est.classes_, twin.classes_)
    assert 9 in est.classes_
    assert est.predict_proba(X).shape == (30, len(twin.classes_))
    # the zero-weight rows still do not count: the same model as without them
    keep = sample_weight > 0
    alone = _fit(BackpropClassifier(**FAST, solver=solver), X[keep], y[keep])
    assert alone.classes_.tolist() != est.classes_.tolist()


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("weight", [True, 2, 0.5, np.float32(3.0), np.int64(4)])
def test_scalar_sample_weight_as_sklearn(Est, weight):
    X, y = _data(Est)
    est = _fit(Est(**FAST, solver="lbfgs"), X, y, sample_weight=weight)
    ones = _fit(Est(**FAST, solver="lbfgs"), X, y)
    # uniform weights do not change the model (the penalty is alpha / sum w)
    if weight in (True, 1):
        for a, b in zip(est.coefs_, ones.coefs_):
            np.testing.assert_array_equal(a, b)
    twin = _fit(_sklearn_twin(Est)(**FAST, solver="lbfgs"), X, y, sample_weight=weight)
    np.testing.assert_allclose(est.loss_, twin.loss_, rtol=1e-6)


class _MinimalFrame:
    """The smallest dataframe scikit-learn takes feature names from (through
    narwhals' ``__narwhals_dataframe__`` protocol), so that feature-name checks
    are tested even where pandas is not installed."""

    def __init__(self, data, columns):
        from narwhals import Implementation

        self._data = np.asarray(data, dtype=float)
        self.columns = list(columns)
        self._implementation = Implementation.UNKNOWN
        self._version = None

    def __narwhals_dataframe__(self):
        return self

    def _with_version(self, version):
        self._version = version
        return self

    @property
    def shape(self):
        return self._data.shape

    def __len__(self):
        return len(self._data)

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_predict_with_different_feature_names_without_pandas(Est):
    pytest.importorskip("narwhals")
    X, y = _data(Est)
    est = _fit(Est(**FAST, solver="adam"), _MinimalFrame(X, ["a", "b", "c"]), y)
    # the container is recognised: otherwise nothing below is tested
    np.testing.assert_array_equal(est.feature_names_in_, ["a", "b", "c"])
    renamed = _MinimalFrame(X, ["z", "b", "c"])
    reordered = _MinimalFrame(X[:, [1, 0, 2]], ["b", "a", "c"])
    fewer = _MinimalFrame(X[:, :2], ["a", "b"])
    more = _MinimalFrame(np.c_[X, X[:, 0]], ["a", "b", "c", "d"])
    for method in _prediction_methods(Est):
        with pytest.raises(ValueError, match="feature names should match"):
            getattr(est, method)(renamed)
        with pytest.raises(ValueError, match="same order"):
            getattr(est, method)(reordered)
        with pytest.raises(ValueError, match="feature names should match"):
            getattr(est, method)(fewer)
        with pytest.raises(ValueError, match="feature names should match"):
            getattr(est, method)(more)
    with pytest.raises(ValueError, match="feature names should match"):
        est.partial_fit(renamed, y)
    # the same names predict exactly like the plain array
    same = getattr(est, _prediction_methods(Est)[-1])(_MinimalFrame(X, ["a", "b", "c"]))
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        plain = getattr(est, _prediction_methods(Est)[-1])(X)
    np.testing.assert_array_equal(same, plain)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_objects_in_X_for_every_prediction_method(Est):
    est, X, _ = _fitted(Est)
    X_obj = X.astype(object)
    X_obj[0, 0] = object()
    for method in _prediction_methods(Est):
        with pytest.raises(
            (TypeError, ValueError), match="(float|real number|convert).*object"
        ):
            getattr(est, method)(X_obj)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "sizes",
    [
        True,
        (True,),
        2.0,
        np.float64(3.0),
        (3.0,),
        np.array([2.0]),
        [[3]],
        (3, None),
        np.array([0]),
        (np.uint8(0),),
        (np.int64(-2),),
    ],
    ids=repr,
)
def test_more_bad_hidden_layer_sizes(Est, sizes):
    X, y = _data(Est)
    with pytest.raises((TypeError, ValueError), match="hidden_layer_sizes"):
        Est(hidden_layer_sizes=sizes, max_iter=2, random_state=0).fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("sizes", [(0,), (-1,), (2.5,), 0], ids=repr)
def test_bad_hidden_layer_sizes_in_partial_fit(Est, solver, sizes):
    X, y = _data(Est)
    kwargs = {"classes": [0, 1]} if Est is BackpropClassifier else {}
    est = Est(hidden_layer_sizes=sizes, solver=solver, max_iter=2, random_state=0)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        est.partial_fit(X, y, **kwargs)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_non_numeric_per_layer_learning_rate(Est):
    X, y = _data(Est)
    est = Est(**FAST, solver="sgd", learning_rate_init=["a", "b"])
    with pytest.raises((TypeError, ValueError), match="learning_rate_init"):
        est.fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_scalar_sample_weight(Est):
    X, y = _data(Est)
    est = Est(**FAST)
    try:
        _fit(est, X, y, sample_weight=2.0)
    except (TypeError, ValueError) as exc:
        assert "sample_weight" in str(exc), str(exc)
    else:  # accepted: must be the same as uniform weights
        reference = _fit(Est(**FAST), X, y, sample_weight=np.full(len(y), 2.0))
        np.testing.assert_array_equal(est.predict(X), reference.predict(X))


# a fit that failed must not leave an estimator that looks fitted
def _failing_fits(Est):
    X, y = _data(Est)
    bad_y = np.array(["a", "b"] * 10) if Est is BackpropRegressor else X[:, 0]
    kwargs = {"classes": [0, 1]} if Est is BackpropClassifier else {}
    return {
        "fit bad y": lambda est: est.fit(X, bad_y),
        "fit bad sample_weight": lambda est: est.fit(X, y, sample_weight=-np.ones(20)),
        "partial_fit bad sample_weight": lambda est: est.partial_fit(
            X, y, sample_weight=-np.ones(20), **kwargs
        ),
    }


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "failure", ["fit bad y", "fit bad sample_weight", "partial_fit bad sample_weight"]
)
def test_predict_after_a_failed_first_fit(Est, failure):
    X, _ = _data(Est)
    est = Est(**FAST, solver="sgd")
    with pytest.raises(ValueError):
        _failing_fits(Est)[failure](est)
    for method in _prediction_methods(Est):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(est, method)(X)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_after_a_rejected_first_call(solver):
    X, y = _data(BackpropClassifier)
    y7 = np.where(y == 1, 7, 0)
    clf = BackpropClassifier(**FAST, solver=solver)
    with pytest.raises(ValueError, match="classes not in `self.classes_`"):
        clf.partial_fit(X, y7, classes=[0, 1])
    clf.partial_fit(X, y7, classes=[0, 7])
    np.testing.assert_array_equal(clf.classes_, [0, 7])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_predict_after_a_failed_refit_with_more_features(Est):
    est, X, _ = _fitted(Est)
    X6 = np.hstack([X, X])
    bad_y = np.array(["a", "b"] * 10) if Est is BackpropRegressor else X[:, 0]
    with pytest.raises(ValueError):
        est.fit(X6, bad_y)
    for method in _prediction_methods(Est):
        with pytest.raises(ValueError, match="features|not fitted"):
            getattr(est, method)(X6)


@pytest.mark.parametrize("unit", ["datetime64[D]", "timedelta64[s]"])
def test_date_or_duration_regression_target(unit):
    X, y = _data(BackpropRegressor)
    with pytest.raises(ValueError, match="dates or durations"):
        BackpropRegressor(**FAST).fit(X, np.arange(len(y)).astype(unit))


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_n_init_too_large_for_memory_names_n_init(Est, solver):
    X, y = _data(Est)
    est = Est(**{**FAST, "n_init": 10**12}, solver=solver)
    with pytest.raises(ValueError, match=r"n_init=1000000000000 stacked restarts need"):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")


def test_many_lbfgs_restarts_are_announced_up_front(monkeypatch):
    import skbackprop._multilayer_perceptron as mlp

    X, y = _data(BackpropRegressor)
    monkeypatch.setattr(mlp, "_MANY_LBFGS_RESTARTS", 3)  # keep the fit short
    est = BackpropRegressor(**{**FAST, "n_init": 4}, solver="lbfgs")
    with pytest.warns(UserWarning, match=r"n_init=4 with solver='lbfgs'.*one after"):
        _fit(est, X, y)
    assert est.restart_losses_.shape == (4,)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        BackpropRegressor(**{**FAST, "n_init": 3}, solver="lbfgs").fit(X, y)
