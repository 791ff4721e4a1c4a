"""Property-based fuzzing of fit/predict on random small problems.

Every random problem (1-30 samples, 1-6 features, magnitudes from 1e-8 to
1e8, constant columns, every solver and activation, random batch sizes and
``max_iter``) must either fit, giving finite predictions (and probabilities
in [0, 1] whose rows sum to one), or raise a ``ValueError``. Numpy
``RuntimeWarning``s are turned into errors: none may reach the user.

Run more examples locally with ``HYPOTHESIS_PROFILE=long`` (see conftest.py).
"""

import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given, note  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from skbackprop import (  # noqa: E402
    BackpropClassifier,
    BackpropRegressor,
    DivergenceWarning,
)

SOLVERS = ["sgd", "adam", "lbfgs"]
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


@st.composite
def magnitudes(draw, n_samples, n_features):
    """A matrix whose entries are 0 or +-10**e with e in [-8, 8].

    Each column has its own exponent range (so that columns of very
    different scales meet) and may be constant.
    """
    X = np.empty((n_samples, n_features))
    for j in range(n_features):
        # bias towards the extremes: hypothesis would otherwise mostly draw
        # values near 1
        center = draw(st.one_of(st.sampled_from([8, -8, 4, -4, 0]), st.floats(-8, 8)))
        spread = draw(st.sampled_from([0.0, 0.5, 2.0]))
        lo, hi = max(-8.0, center - spread), min(8.0, center + spread)
        exponents = draw(
            st.lists(st.floats(lo, hi), min_size=n_samples, max_size=n_samples)
        )
        signs = draw(
            st.lists(
                st.sampled_from([-1.0, 0.0, 1.0]),
                min_size=n_samples,
                max_size=n_samples,
            )
        )
        column = np.asarray(signs) * 10.0 ** np.asarray(exponents)
        if draw(st.booleans()):  # constant column
            column[:] = column[0]
        X[:, j] = column
    return X


@st.composite
def problems(draw):
    n_samples = draw(st.integers(1, 30))
    n_features = draw(st.integers(1, 6))
    X = draw(magnitudes(n_samples, n_features))
    classifier = draw(st.booleans())
    if classifier:
        n_classes = draw(st.integers(1, 4))
        y = np.asarray(
            draw(
                st.lists(
                    st.integers(0, n_classes - 1),
                    min_size=n_samples,
                    max_size=n_samples,
                )
            )
        )
    else:
        n_outputs = draw(st.sampled_from([1, 1, 2]))
        y = draw(magnitudes(n_samples, n_outputs))
        if n_outputs == 1:
            y = y.ravel()
    dtype = draw(st.sampled_from([np.float64, np.float64, np.float32]))
    n_layers = draw(st.integers(0, 2))
    params = dict(
        hidden_layer_sizes=tuple(
            draw(st.lists(st.integers(1, 8), min_size=n_layers, max_size=n_layers))
        ),
        solver=draw(st.sampled_from(SOLVERS)),
        activation=draw(st.sampled_from(ACTIVATIONS)),
        batch_size=draw(st.one_of(st.just("auto"), st.integers(1, 40))),
        max_iter=draw(st.integers(1, 30)),
        learning_rate_init=draw(st.sampled_from([1e-4, 1e-3, 1e-2, 0.1, 1.0])),
        alpha=draw(st.sampled_from([0.0, 1e-4, 1.0])),
        early_stopping=draw(st.booleans()),
        n_init=draw(st.sampled_from([1, 1, 1, 2])),
        random_state=draw(st.integers(0, 2**16)),
    )
    if params["solver"] == "sgd":
        params["learning_rate"] = draw(
            st.sampled_from(["constant", "invscaling", "adaptive"])
        )
        params["momentum"] = draw(st.sampled_from([0.0, 0.9]))
    if classifier:
        params["loss"] = draw(st.sampled_from(["log_loss", "squared_error"]))
        Est = BackpropClassifier
    else:
        params["out_activation"] = draw(
            st.sampled_from(["auto", "identity", "logistic", "tanh"])
        )
        Est = BackpropRegressor
    return Est, params, X.astype(dtype), y


# Known hard cases, replayed on every run before the random ones.
_CONSTANT_HUGE_FLOAT32 = (
    BackpropClassifier,
    dict(
        hidden_layer_sizes=(3,),
        solver="sgd",
        activation="identity",
        batch_size="auto",
        max_iter=3,
        learning_rate_init=0.001,
        alpha=0.0,
        early_stopping=False,
        n_init=1,
        random_state=1,
        learning_rate="constant",
        momentum=0.0,
        loss="log_loss",
    ),
    np.full((13, 5), -1e8, dtype=np.float32),
    np.zeros(13, dtype=int),
)
_FULL_BATCH_SGD = (
    BackpropRegressor,
    dict(
        hidden_layer_sizes=(4,),
        solver="sgd",
        activation="identity",
        batch_size=10,
        max_iter=5,
        learning_rate_init=0.01,
        alpha=0.0,
        early_stopping=False,
        n_init=1,
        random_state=0,
        learning_rate="constant",
        momentum=0.0,
        out_activation="auto",
    ),
    np.linspace(-1e4, 1e4, 20).reshape(10, 2),
    np.linspace(0, 1e4, 10),
)


@example(_CONSTANT_HUGE_FLOAT32)
@example(_FULL_BATCH_SGD)
@given(problems())
def test_fit_succeeds_with_finite_output_or_raises_value_error(problem):
    Est, params, X, y = problem
    note(f"{Est.__name__}({params}) X.dtype={X.dtype} X={X!r} y={y!r}")
    est = Est(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # includes Divergence
        warnings.simplefilter("ignore", DivergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # batch_size clipped
        warnings.simplefilter("error", RuntimeWarning)
        try:
            est.fit(X, y)
        except ValueError:
            return
        pred = est.predict(X)
        assert pred.shape[0] == X.shape[0]
        if Est is BackpropRegressor:
            assert np.all(np.isfinite(pred)), "non-finite predictions after fit"
            assert pred.dtype == X.dtype
        else:
            assert set(np.unique(pred)) <= set(est.classes_)
            proba = est.predict_proba(X)
            assert np.all(np.isfinite(proba)), "non-finite probabilities"
            assert np.all((proba >= 0) & (proba <= 1))
            rtol = 1e-4 if proba.dtype == np.float32 else 1e-10
            np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=rtol)
        for W in est.coefs_ + est.intercepts_:
            assert np.all(np.isfinite(W)), "non-finite weights after fit"
