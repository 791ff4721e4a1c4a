"""Tests of skbackprop.onnx: the exported graphs, run by onnxruntime, give
what ``predict``/``predict_proba`` give, for every configuration."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_regression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, QuantileTransformer, StandardScaler

from skbackprop import BackpropClassifier, BackpropRegressor, make_scaled_pipeline

pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")

from skl2onnx import to_onnx  # noqa: E402

import skbackprop.onnx  # noqa: E402  (registers the converters)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ROOT = Path(__file__).resolve().parents[1]
DTYPES = [np.float32, np.float64]
#: relative tolerance of the graph's values against predict, per dtype
RTOL = {np.float32: 1e-5, np.float64: 1e-9}
#: absolute tolerance of probabilities (values near 0: 1 - p of a saturated
#: logistic unit carries the rounding error of p)
PROBA_ATOL = {np.float32: 1e-6, np.float64: 1e-12}
NO_ZIPMAP = {"zipmap": False}


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # the networks are tiny: threads only cost time, more so on a busy machine
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def _run(onx, X):
    options = ort.SessionOptions()
    # small graphs: one thread, no thread pool spinning on a busy machine
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(
        onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def _assert_values_close(got, expected, dtype, rtol=None):
    """Relative to each value, and to the output's scale where a value is
    near zero (where rounding makes any relative error possible)."""
    expected = np.asarray(expected)
    assert got.dtype == dtype
    got = got.reshape(expected.shape)
    rtol = RTOL[dtype] if rtol is None else rtol
    np.testing.assert_allclose(
        got, expected, rtol=rtol, atol=rtol * np.abs(expected).max()
    )


def _assert_proba_close(got, expected, dtype, rtol=None):
    assert got.dtype == dtype
    rtol = RTOL[dtype] if rtol is None else rtol
    atol = PROBA_ATOL[dtype] if rtol == RTOL[dtype] else rtol
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def _small(Est, **params):
    params = {
        "hidden_layer_sizes": (6, 4),
        "solver": "lbfgs",
        "max_iter": 60,
        "random_state": 0,
        **params,
    }
    return Est(**params)


# ----------------------------------------------------------------------------
# data
def _X(dtype, n_samples=80, n_features=5):
    X, _ = make_regression(n_samples, n_features, random_state=0)
    return ((X - X.mean(axis=0)) / X.std(axis=0)).astype(dtype)


def _regression_target(X, kind):
    rng = np.random.RandomState(1)
    z = X.astype(np.float64) @ rng.uniform(-1, 1, size=(X.shape[1], 3))
    z /= z.std(axis=0)
    if kind == "identity":
        return 3 * z[:, 0] + 1
    if kind == "logistic":
        return expit(z[:, 0])
    if kind == "tanh":
        return np.tanh(z[:, 0])
    if kind == "exp":
        return np.exp(z[:, 0])
    if kind == "poisson":
        return rng.poisson(np.exp(z[:, 0])).astype(np.float64)
    assert kind == "multi-output"
    return 3 * z + [1, -1, 0]


def _labels(X, kind):
    rng = np.random.RandomState(2)
    z = X.astype(np.float64) @ rng.uniform(-1, 1, size=X.shape[1])
    classes = np.digitize(z, np.quantile(z, [1 / 3, 2 / 3]))  # 0, 1, 2
    if kind == "binary":
        return (z > np.median(z)).astype(int) * 3 - 1  # -1 and 2
    if kind == "multiclass":
        return classes
    if kind == "bool":
        return z > np.median(z)
    if kind == "float":
        return classes.astype(np.float64)
    if kind == "string-binary":
        return np.where(z > np.median(z), "yes", "no")
    if kind == "string-multiclass":
        return np.array(["low", "mid", "high"], dtype=object)[classes]
    assert kind == "multilabel"
    return np.c_[classes == 0, classes == 1, z > 0].astype(int)


# ----------------------------------------------------------------------------
# BackpropRegressor
NEW_ACTIVATIONS = ["leaky_relu", "elu", "softplus", "gelu", "silu"]
REGRESSOR_CASES = {
    "relu": ({}, "identity"),
    "identity": ({"activation": "identity"}, "identity"),
    "logistic": ({"activation": "logistic"}, "identity"),
    "tanh": ({"activation": "tanh"}, "identity"),
    "no-intercept": ({"fit_intercept": False}, "identity"),
    "no-hidden-layer": ({"hidden_layer_sizes": ()}, "identity"),
    "no-hidden-layer-no-intercept": (
        {"hidden_layer_sizes": (), "fit_intercept": False},
        "identity",
    ),
    "out-identity": ({"out_activation": "identity", "activation": "tanh"}, "identity"),
    "out-logistic": ({"out_activation": "logistic"}, "logistic"),
    "out-tanh": ({"out_activation": "tanh", "activation": "logistic"}, "tanh"),
    "out-exp": ({"out_activation": "exp"}, "exp"),
    "poisson": ({"loss": "poisson"}, "poisson"),
    "poisson-logistic-out": (
        {"loss": "poisson", "out_activation": "logistic"},
        "logistic",
    ),
    "absolute-error": ({"loss": "absolute_error"}, "identity"),
    "huber": ({"loss": "huber", "huber_delta": 0.5}, "identity"),
    "quantile": ({"loss": "quantile", "quantile": 0.8}, "identity"),
    "quantile-multi-output-adam": (
        {"loss": "quantile", "quantile": 0.2, "solver": "adam", "max_iter": 30},
        "multi-output",
    ),
    "multi-output": ({}, "multi-output"),
    "multi-output-no-hidden-layer": ({"hidden_layer_sizes": ()}, "multi-output"),
    "adam": ({"solver": "adam", "max_iter": 30}, "identity"),
    "leaky_relu": ({"activation": "leaky_relu"}, "identity"),
    "elu": ({"activation": "elu"}, "identity"),
    "softplus": ({"activation": "softplus"}, "identity"),
    "gelu": ({"activation": "gelu"}, "identity"),
    "silu": ({"activation": "silu"}, "identity"),
    "per-layer": ({"activation": ("gelu", "tanh")}, "multi-output"),
    "per-layer-exact": ({"activation": ("silu", "elu")}, "multi-output"),
    "per-layer-2": ({"activation": ["softplus", "leaky_relu"]}, "identity"),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", list(REGRESSOR_CASES))
def test_regressor_matches_predict(case, dtype):
    params, target = REGRESSOR_CASES[case]
    X = _X(dtype)
    y = _regression_target(X, target)
    reg = _small(BackpropRegressor, **params).fit(X, y)
    onx = to_onnx(reg, X[:1])
    (out,) = _run(onx, X)
    expected = reg.predict(X)
    assert out.shape == (X.shape[0], reg.n_outputs_)
    _assert_values_close(out, expected, dtype)


def test_regressor_graph_has_one_output_and_no_std():
    # predict(X, return_std=True) is not exported: only the predictions
    X = _X(np.float64)
    reg = _small(BackpropRegressor).fit(X, _regression_target(X, "identity"))
    onx = to_onnx(reg, X[:1])
    assert len(onx.graph.output) == 1
    op_types = {node.op_type for node in onx.graph.node}
    assert {"MatMul", "Add", "Relu"} <= op_types


def test_regressor_without_intercept_has_no_add():
    X = _X(np.float64)
    reg = _small(BackpropRegressor, fit_intercept=False, activation="tanh")
    reg.fit(X, _regression_target(X, "identity"))
    op_types = [node.op_type for node in to_onnx(reg, X[:1]).graph.node]
    assert "Add" not in op_types
    assert op_types.count("MatMul") == 3


def test_edited_weights_are_exported():
    # the graph is written from coefs_/intercepts_, as predict reads them
    X = _X(np.float64)
    reg = _small(BackpropRegressor).fit(X, _regression_target(X, "identity"))
    reg.coefs_[-1] *= 2
    reg.intercepts_[-1] += 1
    (out,) = _run(to_onnx(reg, X[:1]), X)
    _assert_values_close(out, reg.predict(X), np.float64)


# ----------------------------------------------------------------------------
# BackpropClassifier
CLASSIFIER_CASES = {
    "binary": ({}, "binary"),
    "multiclass": ({}, "multiclass"),
    "multilabel": ({}, "multilabel"),
    "binary-squared-error": ({"loss": "squared_error"}, "binary"),
    "multiclass-squared-error": ({"loss": "squared_error"}, "multiclass"),
    "multilabel-squared-error": ({"loss": "squared_error"}, "multilabel"),
    "string-binary": ({}, "string-binary"),
    "string-multiclass": ({"activation": "tanh"}, "string-multiclass"),
    "bool": ({}, "bool"),
    "float-labels": ({}, "float"),
    "identity": ({"activation": "identity"}, "multiclass"),
    "logistic": ({"activation": "logistic"}, "multiclass"),
    "tanh": ({"activation": "tanh"}, "binary"),
    "no-intercept": ({"fit_intercept": False}, "multiclass"),
    "no-hidden-layer": ({"hidden_layer_sizes": ()}, "multiclass"),
    "no-hidden-layer-binary": ({"hidden_layer_sizes": ()}, "binary"),
    "no-hidden-layer-multilabel": (
        {"hidden_layer_sizes": (), "fit_intercept": False},
        "multilabel",
    ),
    "saturated": ({"max_iter": 300, "alpha": 0.0}, "binary"),
    "per-layer": ({"activation": ("silu", "elu")}, "multiclass"),
    "per-layer-multilabel": ({"activation": ("softplus", "gelu")}, "multilabel"),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize(
    "activation", ["leaky_relu", "elu", "softplus", "gelu", "silu"]
)
def test_new_activations_match_predict_far_outside_the_training_range(
    activation, dtype
):
    # large inputs drive every hidden unit deep into its tails: the graph
    # stays finite and equal to predict there too
    X = _X(dtype)
    reg = _small(BackpropRegressor, activation=activation)
    reg.fit(X, _regression_target(X, "identity"))
    X_far = (X * 1e3).astype(dtype)
    (out,) = _run(to_onnx(reg, X[:1]), X_far)
    expected = reg.predict(X_far)
    assert np.isfinite(out).all()
    _assert_values_close(out, expected, dtype)


def _classifier_params():
    for case in CLASSIFIER_CASES:
        for dtype in DTYPES:
            yield pytest.param(case, dtype, id=f"{case}-{np.dtype(dtype).name}")


@pytest.mark.parametrize("case, dtype", list(_classifier_params()))
def test_classifier_matches_predict_and_predict_proba(case, dtype):
    params, kind = CLASSIFIER_CASES[case]
    X = _X(dtype)
    y = _labels(X, kind)
    clf = _small(BackpropClassifier, **params).fit(X, y)
    onx = to_onnx(clf, X[:1], options={id(clf): NO_ZIPMAP})
    label, proba = _run(onx, X)
    expected = clf.predict(X)
    assert label.shape == expected.shape
    np.testing.assert_array_equal(label, expected)
    assert len(np.unique(expected)) > 1  # both sides of the decision are tested
    _assert_proba_close(proba, clf.predict_proba(X), dtype)


@pytest.mark.parametrize("kind", ["binary", "string-multiclass", "multilabel"])
def test_classifier_without_hidden_layer_default_options(kind):
    # the conversion without options (ZipMap output, float32)
    X = _X(np.float32)
    clf = _small(BackpropClassifier, hidden_layer_sizes=()).fit(X, _labels(X, kind))
    label, rows = _run(to_onnx(clf, X[:1]), X)
    np.testing.assert_array_equal(label, clf.predict(X))
    proba = np.array([[row[c] for c in clf.classes_] for row in rows], np.float32)
    _assert_proba_close(proba, clf.predict_proba(X), np.float32)


def test_saturated_probabilities_are_clipped_as_predict_proba():
    X = _X(np.float64)
    y = _labels(X, "binary")
    clf = _small(BackpropClassifier, max_iter=300, alpha=0.0).fit(X, y)
    proba = clf.predict_proba(X)
    eps = np.finfo(np.float64).eps
    assert proba.min() == eps  # some rows are saturated: the clip matters
    (_, got) = _run(to_onnx(clf, X[:1], options={id(clf): NO_ZIPMAP}), X)
    assert got.min() == eps
    _assert_proba_close(got, proba, np.float64)


def _multiclass(dtype=np.float32, kind="multiclass"):
    X = _X(dtype)
    return _small(BackpropClassifier).fit(X, _labels(X, kind)), X


@pytest.mark.parametrize("kind", ["multiclass", "string-multiclass", "binary"])
def test_zipmap_gives_a_dict_per_row(kind):
    clf, X = _multiclass(np.float32, kind)
    label, rows = _run(to_onnx(clf, X[:1]), X)
    np.testing.assert_array_equal(label, clf.predict(X))
    assert isinstance(rows, list) and len(rows) == X.shape[0]
    assert list(rows[0]) == clf.classes_.tolist()
    proba = np.array([[row[c] for c in clf.classes_] for row in rows])
    _assert_proba_close(proba.astype(np.float32), clf.predict_proba(X), np.float32)


def test_zipmap_columns_gives_one_output_per_class():
    clf, X = _multiclass(np.float32, "string-multiclass")
    onx = to_onnx(clf, X[:1], options={id(clf): {"zipmap": "columns"}})
    label, *columns = _run(onx, X)
    np.testing.assert_array_equal(label, clf.predict(X))
    assert len(columns) == len(clf.classes_)
    _assert_proba_close(np.column_stack(columns), clf.predict_proba(X), np.float32)


def test_nocl_exports_class_indices():
    clf, X = _multiclass(np.float64, "string-multiclass")
    onx = to_onnx(clf, X[:1], options={id(clf): {"zipmap": False, "nocl": True}})
    label, proba = _run(onx, X)
    assert label.dtype == np.int64
    np.testing.assert_array_equal(clf.classes_[label], clf.predict(X))
    _assert_proba_close(proba, clf.predict_proba(X), np.float64)


def test_zipmap_with_a_float64_graph_is_refused_clearly():
    # ONNX's ZipMap takes float32 only (skl2onnx's own classifiers make an
    # invalid graph); the error says what to do instead
    clf, X = _multiclass(np.float64)
    with pytest.raises(ValueError, match=r"zipmap.: False"):
        to_onnx(clf, X[:1])


def test_single_class_is_refused():
    X = _X(np.float64)
    clf = _small(BackpropClassifier).fit(X, np.ones(X.shape[0], dtype=int))
    with pytest.raises(ValueError, match="single class"):
        to_onnx(clf, X[:1], options={id(clf): NO_ZIPMAP})


# ----------------------------------------------------------------------------
# pipelines
def _regression_pipelines():
    return {
        "minmax": make_pipeline(MinMaxScaler(), _small(BackpropRegressor)),
        "standard": make_pipeline(StandardScaler(), _small(BackpropRegressor)),
        "make_scaled_pipeline": make_scaled_pipeline(_small(BackpropRegressor)),
        "scale_target": make_scaled_pipeline(
            _small(BackpropRegressor, out_activation="logistic"),
            scale_target=True,
            target_range=(0.1, 0.9),
        ),
        "scale_target-multi-output": make_scaled_pipeline(
            _small(BackpropRegressor), scale_target=True
        ),
        "target-standard-scaler": TransformedTargetRegressor(
            make_pipeline(StandardScaler(), _small(BackpropRegressor)),
            transformer=StandardScaler(),
        ),
        "target-standard-scaler-no-mean": TransformedTargetRegressor(
            _small(BackpropRegressor, activation="tanh"),
            transformer=StandardScaler(with_mean=False),
        ),
        "target-minmax-bare-regressor": TransformedTargetRegressor(
            _small(BackpropRegressor, out_activation="tanh"),
            transformer=MinMaxScaler((-0.8, 0.8)),
        ),
    }


def _raw_X(dtype):
    # features far from [0, 1], so that the scalers matter
    return (_X(np.float64) * [1, 10, 100, 0.1, 5] + [0, 50, -200, 1, 3]).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(_regression_pipelines()))
def test_regression_pipeline_matches_predict(name, dtype):
    model = _regression_pipelines()[name]
    X = _raw_X(dtype)
    kind = "multi-output" if name.endswith("multi-output") else "identity"
    y = 100 * _regression_target(_X(dtype), kind) + 1000  # target far from [0, 1]
    model.fit(X, y)
    (out,) = _run(to_onnx(model, X[:1]), X)
    expected = model.predict(X)
    assert expected.dtype == dtype
    _assert_values_close(out, expected, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("scaler", [MinMaxScaler, StandardScaler, "make_scaled"])
def test_classification_pipeline_matches_predict(scaler, dtype):
    inner = _small(BackpropClassifier)
    if scaler == "make_scaled":
        model = make_scaled_pipeline(inner)
    else:
        model = make_pipeline(scaler(), inner)
    X = _raw_X(dtype)
    y = _labels(_X(dtype), "string-multiclass")
    model.fit(X, y)
    # options by class reach the classifier inside the pipeline
    label, proba = _run(to_onnx(model, X[:1], options={id(inner): NO_ZIPMAP}), X)
    np.testing.assert_array_equal(label, model.predict(X))
    _assert_proba_close(proba, model.predict_proba(X), dtype)


def test_pipeline_of_sklearn_models_still_converts():
    # registering a TransformedTargetRegressor converter must not disturb
    # the models skl2onnx converts itself
    from sklearn.linear_model import Ridge

    X = _raw_X(np.float64)
    y = _regression_target(_X(np.float64), "identity") + 10
    model = TransformedTargetRegressor(
        make_pipeline(StandardScaler(), Ridge()), transformer=MinMaxScaler()
    ).fit(X, y)
    (out,) = _run(to_onnx(model, X[:1]), X)
    _assert_values_close(out, model.predict(X), np.float64)


def test_network_as_an_intermediate_step_is_refused():
    # there it would act through transform, which is not exported
    from sklearn.linear_model import LogisticRegression, Ridge

    X = _X(np.float32)
    y = _regression_target(X, "identity")
    model = make_pipeline(_small(BackpropRegressor), Ridge()).fit(X, y)
    with pytest.raises(NotImplementedError, match="transform"):
        to_onnx(model, X[:1])
    model = make_pipeline(_small(BackpropClassifier), LogisticRegression())
    model.fit(X, y > 0)
    with pytest.raises(NotImplementedError, match="transform"):
        to_onnx(model, X[:1])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_networks_in_stacking_and_voting_regressors(dtype):
    from sklearn.ensemble import StackingRegressor, VotingRegressor
    from sklearn.linear_model import Ridge

    X = _X(dtype)
    y = _regression_target(X, "identity")
    members = [("mlp", _small(BackpropRegressor)), ("ridge", Ridge())]
    for model in (StackingRegressor(members, cv=3), VotingRegressor(members)):
        model.fit(X, y)
        (out,) = _run(to_onnx(model, X[:1]), X)
        _assert_values_close(out, model.predict(X), dtype)


@pytest.mark.parametrize(
    "kwargs, transformer",
    [
        ({"transformer": QuantileTransformer(n_quantiles=10)}, "QuantileTransformer"),
        ({"func": np.log, "inverse_func": np.exp}, "FunctionTransformer"),
    ],
    ids=["quantile", "func"],
)
def test_unsupported_target_transformer_is_refused(kwargs, transformer):
    X = _X(np.float64)
    y = np.exp(_regression_target(X, "identity") / 3)
    model = TransformedTargetRegressor(_small(BackpropRegressor), **kwargs).fit(X, y)
    with pytest.raises(NotImplementedError, match=transformer) as info:
        to_onnx(model, X[:1])
    assert "MinMaxScaler or a StandardScaler" in str(info.value)


# ----------------------------------------------------------------------------
# dtypes, opsets and skbackprop.onnx.to_onnx
def _elem_type(onx):
    from onnx import TensorProto

    return TensorProto.DataType.Name(onx.graph.input[0].type.tensor_type.elem_type)


@pytest.mark.parametrize("fit_dtype", DTYPES, ids=["float32", "float64"])
def test_to_onnx_exports_in_the_dtype_of_the_network(fit_dtype):
    X = _X(fit_dtype)
    reg = _small(BackpropRegressor).fit(X, _regression_target(X, "identity"))
    # whatever dtype the sample has
    onx = skbackprop.onnx.to_onnx(reg, X.astype(np.float64).tolist())
    assert _elem_type(onx) == ("FLOAT" if fit_dtype == np.float32 else "DOUBLE")
    (out,) = _run(onx, X)
    _assert_values_close(out, reg.predict(X), fit_dtype)
    # through a TransformedTargetRegressor around a pipeline
    model = make_scaled_pipeline(_small(BackpropRegressor), scale_target=True)
    model.fit(X, _regression_target(X, "identity"))
    onx = skbackprop.onnx.to_onnx(model, X.astype(np.float32))
    assert _elem_type(onx) == ("FLOAT" if fit_dtype == np.float32 else "DOUBLE")
    (out,) = _run(onx, X)
    _assert_values_close(out, model.predict(X), fit_dtype)


def test_to_onnx_takes_dataframes_sparse_matrices_and_kwargs():
    from scipy.sparse import csr_matrix

    clf, X = _multiclass(np.float64, "string-multiclass")
    options = {id(clf): NO_ZIPMAP}
    for sample in (csr_matrix(X), X):
        onx = skbackprop.onnx.to_onnx(clf, sample, options=options, target_opset=15)
        assert _elem_type(onx) == "DOUBLE"
        label, _ = _run(onx, X)
        np.testing.assert_array_equal(label, clf.predict(X))
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    onx = skbackprop.onnx.to_onnx(
        clf.fit(frame, clf.predict(X)), frame, options=options
    )
    assert [i.name for i in onx.graph.input] == ["X"]
    with pytest.raises(ValueError, match="2-D"):
        skbackprop.onnx.to_onnx(clf, X[0])


def test_to_onnx_finds_the_network_in_a_grid_search():
    from sklearn.model_selection import GridSearchCV

    X = _X(np.float32)
    search = GridSearchCV(_small(BackpropRegressor), {"alpha": [1e-4, 1e-2]}, cv=2)
    search.fit(X, _regression_target(X, "identity"))
    onx = skbackprop.onnx.to_onnx(search, X.astype(np.float64))
    assert _elem_type(onx) == "FLOAT"
    (out,) = _run(onx, X)
    _assert_values_close(out, search.predict(X), np.float32)


def test_graph_follows_the_input_type():
    # a float64 model converted with a float32 sample computes in float32
    X = _X(np.float64)
    reg = _small(BackpropRegressor).fit(X, _regression_target(X, "identity"))
    onx = to_onnx(reg, X[:1].astype(np.float32))
    assert _elem_type(onx) == "FLOAT"
    (out,) = _run(onx, X.astype(np.float32))
    _assert_values_close(out, reg.predict(X).astype(np.float32), np.float32)
    # integer input is computed in float32 too
    X_int = np.round(X * 3).astype(np.int64)
    onx = to_onnx(reg, X_int[:1])
    assert _elem_type(onx) == "INT64"
    (out,) = _run(onx, X_int)
    _assert_values_close(out, reg.predict(X_int).astype(np.float32), np.float32)


@pytest.mark.parametrize("target_opset", [13, None])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_target_opset(target_opset, dtype):
    X = _X(dtype)
    clf = _small(BackpropClassifier).fit(X, _labels(X, "multiclass"))
    reg = _small(BackpropRegressor, out_activation="exp")
    reg.fit(X, _regression_target(X, "exp"))
    ttr = make_scaled_pipeline(_small(BackpropRegressor), scale_target=True)
    ttr.fit(X, _regression_target(X, "identity"))
    for model in (clf, reg, ttr):
        onx = to_onnx(
            model, X[:1], target_opset=target_opset, options={id(clf): NO_ZIPMAP}
        )
        if target_opset is not None:
            (main,) = [o.version for o in onx.opset_import if o.domain == ""]
            assert main <= target_opset
        outputs = _run(onx, X)
        if model is clf:
            np.testing.assert_array_equal(outputs[0], clf.predict(X))
            _assert_proba_close(outputs[1], clf.predict_proba(X), dtype)
        else:
            _assert_values_close(outputs[0], model.predict(X), dtype)


def test_exp_output_clipping_matches_predict():
    # far outside the training range the exp output unit clips its input,
    # as predict does, instead of overflowing to inf
    X = _X(np.float32)
    reg = _small(BackpropRegressor, out_activation="exp", activation="identity")
    reg.fit(X, _regression_target(X, "exp"))
    far = (X * 1e4).astype(np.float32)
    expected = reg.predict(far)
    (out,) = _run(to_onnx(reg, X[:1]), far)
    assert np.isfinite(expected).all() and np.isfinite(out).all()
    assert expected.max() > 1e37  # the clip is reached
    _assert_values_close(out, expected, np.float32)


def test_not_fitted_estimator_is_refused():
    from sklearn.exceptions import NotFittedError

    X = _X(np.float64)
    with pytest.raises(NotFittedError):
        to_onnx(BackpropRegressor(), X[:1])


# ----------------------------------------------------------------------------
# import laziness and the missing extra
def _python(code):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH")) if p
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env
    )


def test_importing_skbackprop_does_not_import_skl2onnx_or_onnx():
    proc = _python(
        "import skbackprop, sys; "
        "assert 'skl2onnx' not in sys.modules and 'onnx' not in sys.modules"
    )
    assert proc.returncode == 0, proc.stderr


def test_missing_skl2onnx_names_the_extra():
    proc = _python(
        "import sys; sys.modules['skl2onnx'] = None\n"
        "try:\n"
        "    import skbackprop.onnx\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
        "else:\n"
        "    raise SystemExit('no ImportError')\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert 'pip install "skbackprop[onnx]"' in proc.stdout


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gelu_graph_is_the_normal_cdf_times_z_in_both_tails(dtype):
    """With unit weights the network's output is GELU itself, so the graph's
    normal CDF (float64: a Chebyshev series for erfcx, no Erf kernel) is
    held to z * Phi(z) from scipy over both tails, zero and huge inputs."""
    from scipy.special import ndtr

    z = np.concatenate(
        [np.linspace(-38.0, 38.0, 20001), [0.0, -1e-300, 1e-300, -1e6, 1e6, -1e300]]
    ).reshape(-1, 1)
    if dtype == np.float32:
        z = z[np.abs(z[:, 0]) < 1e30]
    z = z.astype(dtype)
    reg = BackpropRegressor(
        hidden_layer_sizes=(1,), activation="gelu", max_iter=1, random_state=0
    )
    with pytest.warns(Warning):  # one epoch does not converge
        reg.fit(z[::50], z[::50, 0])
    for W in reg.coefs_:
        W[...] = 1.0
    for b in reg.intercepts_:
        b[...] = 0.0
    zz = z[:, 0].astype(np.float64)
    expected = zz * ndtr(zz)
    # float64: relative to each value, the lower tail (Phi ~ 1e-300) included;
    # float32 (Erf, as before): the module's float32 tolerance, scaled
    rtol, atol = (1e-12, 1e-300) if dtype == np.float64 else (1e-5, 1e-5 * 38.0)
    np.testing.assert_allclose(reg.predict(z), expected, rtol=rtol, atol=atol)
    out = _run(skbackprop.onnx.to_onnx(reg, z[:1]), z)[0].ravel()
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=atol)
