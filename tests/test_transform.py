"""Hidden-layer embeddings: ``transform`` and ``get_feature_names_out``.

The reference is a plain numpy forward pass of the public ``coefs_`` and
``intercepts_``. Different code paths (sparse vs dense input, chunked vs
one-chunk passes, float32 vs float64) are compared with tolerances; the same
computation repeated is compared exactly.
"""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler

import skbackprop._network as network_module
from skbackprop import BackpropClassifier, BackpropRegressor
from skbackprop._multilayer_perceptron import NonFiniteOutputWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


def _regression_data(n_samples=120, n_features=5, seed=0):
    X, y = make_regression(
        n_samples=n_samples, n_features=n_features, noise=1.0, random_state=seed
    )
    return X / X.std(axis=0), y / y.std()


def _iris():
    X, y = load_iris(return_X_y=True)
    return X / X.max(axis=0), y


def _act(name, z):
    if name == "identity":
        return z
    if name == "logistic":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    raise ValueError(name)


def _reference(est, X, layer):
    """Activations of hidden layer ``layer`` from the public weights."""
    n_hidden = len(est.coefs_) - 1
    a = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    for i in range(layer % n_hidden + 1):
        z = a @ np.asarray(est.coefs_[i], dtype=np.float64)
        if est.fit_intercept:
            z = z + est.intercepts_[i]
        a = _act(est.activation, z)
    return a


def _small_regressor(**params):
    defaults = dict(hidden_layer_sizes=(6, 3), max_iter=30, random_state=0)
    return BackpropRegressor(**{**defaults, **params})


# ----------------------------------------------------------------------------
# values


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("layer", [0, -1])
def test_transform_is_the_forward_pass_of_the_public_weights(
    activation, fit_intercept, layer
):
    X, y = _regression_data()
    est = _small_regressor(
        activation=activation, fit_intercept=fit_intercept, transform_layer=layer
    ).fit(X, y)
    Z = est.transform(X)
    assert Z.shape == (X.shape[0], (6, 3)[layer])
    assert Z.dtype == np.float64
    np.testing.assert_allclose(Z, _reference(est, X, layer), rtol=1e-10, atol=1e-12)


def test_negative_and_positive_indices_name_the_same_layer():
    X, y = _regression_data()
    est = _small_regressor(hidden_layer_sizes=(6, 4, 3)).fit(X, y)
    for negative, positive in [(-1, 2), (-2, 1), (-3, 0)]:
        last = est.set_params(transform_layer=negative).transform(X)
        np.testing.assert_array_equal(
            last, est.set_params(transform_layer=positive).transform(X)
        )


def test_classifier_transform_binary_and_multiclass():
    X, y = _iris()
    for target in (y == 0, y):  # binary, multiclass
        est = BackpropClassifier(
            hidden_layer_sizes=(5, 4), activation="tanh", max_iter=40, random_state=0
        ).fit(X, target)
        for layer in (0, -1):
            est.set_params(transform_layer=layer)
            Z = est.transform(X)
            assert Z.shape == (X.shape[0], (5, 4)[layer])
            np.testing.assert_allclose(
                Z, _reference(est, X, layer), rtol=1e-10, atol=1e-12
            )
        names = est.get_feature_names_out()
        assert list(names) == [f"backpropclassifier{i}" for i in range(4)]


def test_transform_stops_before_the_output_layer():
    # with a logistic hidden layer and a softmax output, the embedding is not
    # the probabilities
    X, y = _iris()
    est = BackpropClassifier(
        hidden_layer_sizes=(3,), activation="logistic", max_iter=40, random_state=0
    ).fit(X, y)
    Z = est.transform(X)
    assert Z.shape == (150, 3)
    assert not np.allclose(Z.sum(axis=1), 1.0)
    logits = Z @ est.coefs_[-1] + est.intercepts_[-1]
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(proba, est.predict_proba(X), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------
# dtypes, sparse input, chunks


def test_float32_in_float32_out():
    X, y = _regression_data()
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    est32 = _small_regressor(activation="tanh").fit(X32, y32)
    assert est32.coefs_[0].dtype == np.float32
    Z32 = est32.transform(X32)
    assert Z32.dtype == np.float32
    # float64 input to a float32 model is cast to the model's dtype
    assert est32.transform(X).dtype == np.float32
    np.testing.assert_allclose(Z32, _reference(est32, X32, -1), rtol=1e-5, atol=1e-6)
    # a float64 model keeps float64 for float32 input
    est64 = _small_regressor(activation="tanh").fit(X, y)
    assert est64.transform(X32).dtype == np.float64
    assert est64.fit_transform(X32, y).dtype == np.float32  # fitted on float32


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_equals_dense(fmt):
    rng = np.random.RandomState(0)
    X, y = _regression_data()
    X[rng.uniform(size=X.shape) < 0.6] = 0.0
    Xs = sp.csr_matrix(X).asformat(fmt)
    est = _small_regressor(transform_layer=0).fit(X, y)
    np.testing.assert_allclose(est.transform(Xs), est.transform(X), rtol=1e-12)
    # a model fitted on the sparse matrix is the same model
    sparse_fit = _small_regressor(transform_layer=0).fit(Xs, y)
    np.testing.assert_allclose(
        sparse_fit.transform(Xs), est.transform(X), rtol=1e-8, atol=1e-10
    )


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_chunked_transform_equals_one_chunk(monkeypatch, sparse):
    X, y = _regression_data(n_samples=200)
    est = _small_regressor().fit(X, y)
    Xin = sp.csr_matrix(X) if sparse else X
    whole = est.transform(Xin)
    monkeypatch.setattr(network_module, "PREDICT_CHUNK", 7)  # 28 chunks + 4 rows
    chunked = est.transform(Xin)
    np.testing.assert_allclose(chunked, whole, rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------------------
# names, errors


def test_feature_names_out():
    X, y = _regression_data()
    est = _small_regressor().fit(X, y)
    names = est.get_feature_names_out()
    assert names.dtype == object
    assert list(names) == [
        "backpropregressor0",
        "backpropregressor1",
        "backpropregressor2",
    ]
    assert len(names) == est.transform(X).shape[1]
    est.set_params(transform_layer=0)
    assert list(est.get_feature_names_out()) == [
        f"backpropregressor{i}" for i in range(6)
    ]
    # input_features is checked against the fitted inputs
    est.get_feature_names_out([f"x{i}" for i in range(5)])
    with pytest.raises(ValueError, match="input_features"):
        est.get_feature_names_out(["a", "b"])


def test_unfitted_estimator_refuses_to_transform():
    est = _small_regressor()
    with pytest.raises(NotFittedError):
        est.transform(np.zeros((2, 3)))
    with pytest.raises(NotFittedError):
        est.get_feature_names_out()


@pytest.mark.parametrize("layer", [2, 3, -3, 100])
def test_out_of_range_transform_layer(layer):
    X, y = _regression_data()
    est = _small_regressor(transform_layer=layer)  # no check at construction
    est.fit(X, y)  # nor in fit: only transform needs the layer
    pattern = r"transform_layer=.*2 hidden layer"
    with pytest.raises(ValueError, match=pattern):
        est.transform(X)
    with pytest.raises(ValueError, match=pattern):
        est.get_feature_names_out()
    with pytest.raises(ValueError, match=pattern):
        clone(est).fit_transform(X, y)
    est.predict(X)  # the model itself is fine


@pytest.mark.parametrize("layer", [0, -1])
def test_no_hidden_layer_no_transform(layer):
    X, y = _regression_data()
    est = BackpropRegressor(
        hidden_layer_sizes=(), transform_layer=layer, max_iter=20, random_state=0
    ).fit(X, y)
    with pytest.raises(ValueError, match="transform_layer.*no hidden layers"):
        est.transform(X)
    with pytest.raises(ValueError, match="transform_layer.*no hidden layers"):
        est.get_feature_names_out()
    # introspection still works (skl2onnx calls dir() on the model)
    assert not hasattr(est, "_n_features_out")
    assert "predict" in dir(est)


def test_non_finite_activations_warn():
    X, y = _regression_data()
    est = _small_regressor(activation="identity", transform_layer=0).fit(X, y)
    est.coefs_[0][:] = 1.0  # every unit sums the inputs
    X_far = X.copy()
    X_far[:3] = 1e308  # five of them overflow
    with pytest.warns(NonFiniteOutputWarning, match="3 of 120 rows") as record:
        Z = est.transform(X_far)
    assert record[0].filename == __file__  # points at the caller
    assert np.isfinite(Z[3:]).all()
    assert not np.isfinite(Z[:3]).any()


# ----------------------------------------------------------------------------
# the model: fit_transform, edits, read-only


def test_fit_transform_equals_fit_then_transform():
    X, y = _regression_data()
    w = np.random.RandomState(1).uniform(0.5, 2.0, size=X.shape[0])
    for params in (dict(), dict(solver="lbfgs"), dict(solver="sgd", n_init=2)):
        est = _small_regressor(**params)
        np.testing.assert_array_equal(
            clone(est).fit_transform(X, y), clone(est).fit(X, y).transform(X)
        )
        # sample_weight goes to fit
        weighted = clone(est).fit_transform(X, y, sample_weight=w)
        np.testing.assert_array_equal(
            weighted, clone(est).fit(X, y, sample_weight=w).transform(X)
        )
        assert not np.array_equal(weighted, clone(est).fit(X, y).transform(X))
    Xi, yi = _iris()
    clf = BackpropClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0)
    np.testing.assert_array_equal(
        clone(clf).fit_transform(Xi, yi), clone(clf).fit(Xi, yi).transform(Xi)
    )


def test_edits_of_the_public_weights_are_honoured():
    X, y = _regression_data()
    est = _small_regressor(activation="tanh", transform_layer=0).fit(X, y)
    before = est.transform(X)
    est.coefs_[0] *= 2.0
    est.intercepts_[0] = np.full(6, 0.25)  # a new array in the list
    after = est.transform(X)
    assert not np.allclose(after, before)
    np.testing.assert_allclose(after, _reference(est, X, 0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        after, np.tanh(X @ est.coefs_[0] + 0.25), rtol=1e-10, atol=1e-12
    )


def test_transform_leaves_the_model_unchanged():
    X, y = _regression_data()
    for est in (
        _small_regressor().fit(X, y),
        BackpropClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(
            *_iris()
        ),
    ):
        before = pickle.dumps(est)
        Xin = np.random.RandomState(2).normal(size=(30, est.n_features_in_))
        est.transform(Xin)
        est.transform(sp.csr_matrix(Xin))
        est.get_feature_names_out()
        assert pickle.dumps(est) == before


def test_transform_layer_does_not_change_the_fit():
    X, y = _regression_data()
    a = _small_regressor(transform_layer=0).fit(X, y)
    b = _small_regressor(transform_layer=-1).fit(X, y)
    for ca, cb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(ca, cb)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


# ----------------------------------------------------------------------------
# composition


def test_in_a_pipeline():
    X, y = _regression_data(n_samples=150)
    net = _small_regressor(max_iter=60)
    pipe = Pipeline(
        [("scale", MinMaxScaler()), ("net", net), ("ridge", Ridge(alpha=0.1))]
    ).fit(X, y)
    # the same steps by hand: the network is fitted on y, then transforms
    scaler = MinMaxScaler().fit(X)
    X_scaled = scaler.transform(X)
    fitted = clone(net).fit(X_scaled, y)
    ridge = Ridge(alpha=0.1).fit(fitted.transform(X_scaled), y)
    for a, b in zip(pipe["net"].coefs_, fitted.coefs_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(
        pipe.predict(X), ridge.predict(fitted.transform(X_scaled)), rtol=1e-12
    )
    assert list(pipe[:-1].get_feature_names_out()) == [
        f"backpropregressor{i}" for i in range(3)
    ]


def test_classifier_inside_a_pipeline():
    X, y = make_classification(
        n_samples=200, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    pipe = make_pipeline(
        MinMaxScaler(),
        BackpropClassifier(hidden_layer_sizes=(8,), max_iter=80, random_state=0),
        LogisticRegression(),
    ).fit(X, y)
    assert pipe[1].transform(pipe[0].transform(X)).shape == (200, 8)
    assert pipe.score(X, y) > 0.6
    assert pipe.predict_proba(X).shape == (200, 3)


def test_in_a_feature_union():
    X, y = _regression_data()
    union = FeatureUnion(
        [
            ("net", _small_regressor()),
            ("raw", FunctionTransformer(feature_names_out="one-to-one")),
        ]
    )
    Z = union.fit_transform(X, y)
    net = _small_regressor().fit(X, y)
    assert Z.shape == (120, 3 + 5)
    np.testing.assert_array_equal(Z[:, :3], net.transform(X))
    np.testing.assert_array_equal(Z[:, 3:], X)
    names = list(union.get_feature_names_out())
    assert names[:3] == [f"net__backpropregressor{i}" for i in range(3)]
    assert names[3:] == [f"raw__x{i}" for i in range(5)]


def test_in_a_column_transformer():
    X, y = _regression_data()
    ct = ColumnTransformer(
        [("net", _small_regressor(), [0, 1, 2]), ("rest", "passthrough", [3, 4])]
    )
    Z = ct.fit_transform(X, y)
    net = _small_regressor().fit(X[:, :3], y)
    assert Z.shape == (120, 3 + 2)
    np.testing.assert_array_equal(Z[:, :3], net.transform(X[:, :3]))
    np.testing.assert_array_equal(Z[:, 3:], X[:, 3:])
    assert list(ct.get_feature_names_out())[:3] == [
        f"net__backpropregressor{i}" for i in range(3)
    ]


def test_set_output_pandas():
    pd = pytest.importorskip("pandas")
    X, y = _regression_data()
    frame = pd.DataFrame(
        X, columns=[f"f{i}" for i in range(5)], index=np.arange(120) + 1000
    )
    est = _small_regressor().set_output(transform="pandas")
    out = est.fit_transform(frame, y)
    expected = [f"backpropregressor{i}" for i in range(3)]
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == expected
    assert (out.index == frame.index).all()
    np.testing.assert_array_equal(out.to_numpy(), est.transform(frame).to_numpy())
    Z = est.transform(frame)
    assert isinstance(Z, pd.DataFrame) and list(Z.columns) == expected
    # the default output is unchanged
    est.set_output(transform="default")
    np.testing.assert_array_equal(est.transform(frame), Z.to_numpy())
    # and a pipeline's output
    pipe = make_pipeline(MinMaxScaler(), _small_regressor()).set_output(
        transform="pandas"
    )
    assert list(pipe.fit_transform(frame, y).columns) == expected
    # the classifier too
    clf = BackpropClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0)
    out = clf.set_output(transform="pandas").fit_transform(frame, y > 0)
    assert list(out.columns) == [f"backpropclassifier{i}" for i in range(4)]


# scikit-learn's transformer-API checks that parametrize_with_checks does not
# run (set_output and feature names); tests/test_common.py runs the others
@pytest.mark.parametrize(
    "check",
    [
        "check_transformer_get_feature_names_out",
        "check_transformer_get_feature_names_out_pandas",
        "check_set_output_transform",
        "check_set_output_transform_pandas",
        "check_global_output_transform_pandas",
    ],
)
@pytest.mark.parametrize(
    "est",
    [
        BackpropRegressor(hidden_layer_sizes=(8, 4), max_iter=20, random_state=0),
        BackpropClassifier(
            hidden_layer_sizes=(8,), solver="lbfgs", max_iter=20, random_state=0
        ),
    ],
    ids=["regressor", "classifier"],
)
# the pandas checks fit on arrays and transform DataFrames, and the reverse
@pytest.mark.filterwarnings("ignore:X has feature names:UserWarning")
@pytest.mark.filterwarnings("ignore:X does not have valid feature names:UserWarning")
def test_scikit_learn_set_output_and_feature_name_checks(est, check):
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check)(type(est).__name__, est)
