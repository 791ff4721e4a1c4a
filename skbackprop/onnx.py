"""ONNX export of the estimators, through skl2onnx (the ``onnx`` extra).

Importing this module registers converters with skl2onnx (its public
:func:`skl2onnx.update_registered_converter`), after which
``skl2onnx.to_onnx`` converts :class:`~skbackprop.BackpropRegressor` and
:class:`~skbackprop.BackpropClassifier`, alone or inside scikit-learn
pipelines, like any scikit-learn model::

    import skbackprop.onnx  # registers the converters
    from skl2onnx import to_onnx

    onx = to_onnx(model, X[:1])

:func:`to_onnx` does the same and picks the input type from the network
(float32 for a model fitted on float32 data, float64 otherwise). Importing
:mod:`skbackprop` never imports skl2onnx or onnx; importing this module
without them raises an :class:`ImportError` naming the extra
(``pip install "skbackprop[onnx]"``; onnxruntime, also in the extra, runs
the graphs).

What the graphs compute
-----------------------
The network is written from ``coefs_`` and ``intercepts_``: per layer a
``MatMul``, an ``Add`` (none with ``fit_intercept=False``) and the activation
(``Sigmoid``, ``Tanh``, ``Relu``, nothing for identity; ``Exp`` after the
same clipping of its input as
:meth:`~skbackprop.BackpropRegressor.predict`; ``Softmax``
for multiclass outputs). skl2onnx's own MLP converter is not used.

* Regressor: one output of shape ``(N, n_outputs)`` (``(N, 1)`` for a single
  target, as skl2onnx's regressors), the values of ``predict``.
  ``predict(X, return_std=True)`` is not exported: the standard deviation is
  the constant ``sqrt(noise_variance_)``, which a caller can append itself.
* Classifier: the usual two outputs of skl2onnx classifiers, the labels of
  ``predict`` and the probabilities of ``predict_proba``. Binary
  probabilities are clipped to ``[eps, 1 - eps]`` and stacked as
  ``[1 - p, p]``, the label is the second class where ``p > 0.5``;
  multiclass labels are the class of the largest probability; multilabel
  targets give independent clipped probabilities and a label matrix of 0/1
  (int64) thresholded at 0.5. Labels are int64 (integer, boolean or
  integral float classes) or strings. The options ``zipmap`` (True, False,
  ``"columns"``) and ``nocl`` work as for scikit-learn's classifiers, e.g.
  ``options={id(clf): {"zipmap": False}}`` for a plain probability tensor
  instead of a list of dicts. ONNX's ``ZipMap`` takes float32 only, so a
  float64 graph needs ``zipmap=False`` (or ``"columns"``); without it the
  conversion raises a ValueError that says so.
* :class:`~sklearn.compose.TransformedTargetRegressor` (what
  :func:`~skbackprop.pipeline.make_scaled_pipeline` returns with
  ``scale_target=True``) has no converter in skl2onnx; this module registers
  one, for any regressor skl2onnx converts, when the transformer is a
  :class:`~sklearn.preprocessing.MinMaxScaler` or a
  :class:`~sklearn.preprocessing.StandardScaler`: the regressor's graph
  followed by the inverse transform, rounded as scikit-learn rounds it. Other
  transformers (``func``/``inverse_func`` included) are refused with a
  :class:`NotImplementedError`. If skl2onnx ever ships its own converter,
  that one is kept.

Precision and opset
-------------------
The graph computes in the precision of its input, as skl2onnx's converters
do: a ``FloatTensorType`` input gives a float32 graph, a ``DoubleTensorType``
one a float64 graph. ``to_onnx(model, X[:1])`` takes the type from the array,
so ``X[:1].astype(np.float32)`` exports float32 and
``X[:1].astype(np.float64)`` exports float64; :func:`to_onnx` casts to the
network's dtype for you. The tests hold onnxruntime's results to those of
``predict`` and ``predict_proba`` within a relative 1e-5 in float32 and 1e-9
in float64 (outputs near zero: relative to the largest output;
probabilities: 1e-6 and 1e-12 absolute); labels are identical.
``target_opset=...`` chooses the opset; the tests use 13, 15 and skl2onnx's
default.

Every activation is written with operators that onnxruntime runs in both
precisions. ``LeakyRelu``, ``Elu`` and ``Softplus`` are expanded into
elementary operators: the first two have no float64 kernels and ONNX's
``Softplus`` overflows for large inputs. onnxruntime has no float64 ``Erf``
either, so a float64 graph computes GELU's normal CDF from ``Exp`` and a
Chebyshev series of degree 24 for the scaled complementary error function
(relative error about 1e-13, the tail below zero included); float32 graphs
use ``Erf``.

Not exported: ``predict(X, return_std=True)`` (see above) and ``transform``
(the hidden-layer features). A network that is not the last step of a
pipeline acts through ``transform`` there, so converting such a pipeline
raises a :class:`NotImplementedError`; networks as the final step, inside a
``TransformedTargetRegressor`` or as members of a
:class:`~sklearn.ensemble.StackingRegressor` or
:class:`~sklearn.ensemble.VotingRegressor` (which call their ``predict``)
convert.
"""

import numpy as np
from scipy.sparse import issparse
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.validation import check_is_fitted

from ._activations import LEAKY_SLOPE

try:
    from onnx import TensorProto
    from onnx.helper import np_dtype_to_tensor_dtype
    from skl2onnx import get_model_alias, update_registered_converter
    from skl2onnx import to_onnx as _skl2onnx_to_onnx
    from skl2onnx.algebra.onnx_operator import OnnxSubEstimator
    from skl2onnx.algebra.onnx_ops import (
        OnnxAdd,
        OnnxCast,
        OnnxDiv,
        OnnxIdentity,
        OnnxMul,
        OnnxReshapeApi13,
        OnnxSub,
    )
    from skl2onnx.common.data_types import (
        BooleanTensorType,
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from skl2onnx.common.utils import (
        check_input_and_output_numbers,
        check_input_and_output_types,
    )
except ImportError as exc:  # pragma: no cover - exercised in a subprocess
    raise ImportError(
        "skbackprop.onnx needs skl2onnx (and onnxruntime to run the exported "
        'graphs): install the onnx extra, pip install "skbackprop[onnx]".'
    ) from exc

from ._multilayer_perceptron import BackpropClassifier, BackpropRegressor

__all__ = ["to_onnx"]

#: skl2onnx aliases of the converters registered here
REGRESSOR_ALIAS = "SkbackpropBackpropRegressor"
CLASSIFIER_ALIAS = "SkbackpropBackpropClassifier"
TARGET_ALIAS = "SkbackpropTransformedTargetRegressor"

_GOOD_INPUTS = [FloatTensorType, DoubleTensorType, Int64TensorType, BooleanTensorType]
_ONNX_ACTIVATIONS = {"logistic": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}


# ----------------------------------------------------------------------------
# helpers
def _graph_dtype(variable):
    """The float dtype a graph computes in for this input variable."""
    if isinstance(variable.type, DoubleTensorType):
        return np.dtype(np.float64)
    return np.dtype(np.float32)


def _tensor_type(dtype):
    return DoubleTensorType if dtype == np.float64 else FloatTensorType


def _constant(scope, container, name, value, dtype):
    name = scope.get_unique_variable_name(name)
    value = np.asarray(value, dtype=dtype)
    container.add_initializer(
        name, np_dtype_to_tensor_dtype(value.dtype), list(value.shape), value.ravel()
    )
    return name


def _node(scope, container, op_type, inputs, name, **attrs):
    """Add one node; returns the name of its (new) output."""
    output = scope.get_unique_variable_name(name)
    container.add_node(
        op_type,
        inputs,
        output,
        name=scope.get_unique_operator_name(op_type),
        **attrs,
    )
    return output


def _labels(classifier, nocl):
    """``(kind, values)`` of the class labels as the graph stores them:
    ``kind`` is ``"int64"`` or ``"string"``; a ValueError for labels ONNX
    cannot hold (non-integral floats, mixed types) or a single class."""
    classes = np.asarray(classifier.classes_)
    if len(classes) < 2:
        raise ValueError(
            "Cannot convert a BackpropClassifier fitted on a single class "
            f"({classes.tolist()!r}): its predict_proba has two columns for one "
            "class, which an ONNX classifier's outputs cannot express."
        )
    if nocl:
        return "int64", np.arange(len(classes), dtype=np.int64)
    if classes.dtype.kind in "iub":
        return "int64", classes.astype(np.int64)
    if classes.dtype.kind == "f" and np.array_equal(classes, np.round(classes)):
        return "int64", classes.astype(np.int64)
    if classes.dtype.kind in "UO" and all(isinstance(c, str) for c in classes):
        return "string", classes
    raise ValueError(
        "ONNX class labels must be integers or strings, the classifier has "
        f"classes_={classes.tolist()!r}. Encode the labels (e.g. with "
        "sklearn.preprocessing.LabelEncoder) or pass "
        "options={id(classifier): {'nocl': True}} to export class indices."
    )


def _target_kind(classifier):
    # "binary", "multiclass" or "multilabel-indicator", as predict reads it
    return classifier._label_binarizer.y_type_


#: operators skl2onnx itself puts after a classifier's outputs
_CLASSIFIER_OUTPUT_OPS = {"SklearnZipMap", "SklearnZipMapColumns"}


def _refuse_intermediate_step(scope, operator):
    """A NotImplementedError when the network's outputs (or the ZipMap made
    of them) feed another step of the graph: there skl2onnx wants
    ``transform`` (the hidden-layer activations), which is not exported.
    Sub-models converted for a meta-estimator (OnnxSubEstimator:
    TransformedTargetRegressor, stacking, voting) live in a scope of their
    own and are not affected."""
    operators = list(getattr(scope, "operators", {}).values())
    names = {variable.onnx_name for variable in operator.outputs}
    seen = {id(operator)}
    grown = True
    while grown:  # follow the outputs through ZipMap and friends
        grown = False
        for other in operators:
            if id(other) in seen or not any(
                variable.onnx_name in names for variable in other.inputs
            ):
                continue
            if other.type not in _CLASSIFIER_OUTPUT_OPS:
                consumer = type(getattr(other, "raw_operator", None)).__name__
                raise NotImplementedError(
                    f"{type(operator.raw_operator).__name__} is followed by "
                    f"another step ({consumer}, {other.type}): as an "
                    "intermediate pipeline step it acts through transform (its "
                    "hidden-layer activations), which skbackprop.onnx does not "
                    "export; only a network as the final step (predict, "
                    "predict_proba) converts."
                )
            seen.add(id(other))
            names |= {variable.onnx_name for variable in other.outputs}
            grown = True


def _forward(scope, operator, container, estimator, dtype):
    """The network's output activations, as the name of a graph variable.

    The weights are those ``predict`` uses: ``coefs_`` and ``intercepts_``
    packed (and checked) by the estimator, with the activation and the
    intercept setting of the fit."""
    net = estimator._network()
    x = operator.inputs[0].full_name
    if not isinstance(operator.inputs[0].type, FloatTensorType | DoubleTensorType):
        # integer or boolean input: computed in float32, as skl2onnx does
        to = np_dtype_to_tensor_dtype(dtype)
        x = _node(scope, container, "Cast", [x], "cast_input", to=to)
    n_layers = len(net.coefs)
    for i, coef in enumerate(net.coefs):
        weights = _constant(scope, container, f"coef{i}", coef, dtype)
        z = _node(scope, container, "MatMul", [x, weights], f"matmul{i}")
        if net.layout.fit_intercept:
            bias = _constant(
                scope, container, f"intercept{i}", net.intercepts[i], dtype
            )
            z = _node(scope, container, "Add", [z, bias], f"add{i}")
        activation = net.activations[i] if i < n_layers - 1 else net.out_activation
        x = _activation(scope, container, activation, z, net.dtype, dtype, i)
    return x


def _activation(scope, container, name, z, model_dtype, dtype, layer):
    if name == "identity":
        return z
    if name in _ONNX_ACTIVATIONS:
        op_type = _ONNX_ACTIVATIONS[name]
        return _node(scope, container, op_type, [z], f"{name}{layer}")
    # LeakyRelu and Elu have no float64 kernels in onnxruntime: both are
    # written with elementary operators, for every precision
    if name == "leaky_relu":
        slope = _constant(scope, container, "leaky_slope", LEAKY_SLOPE, dtype)
        t = _node(scope, container, "Mul", [z, slope], f"leaky_scaled{layer}")
        return _node(scope, container, "Max", [z, t], f"leaky{layer}")
    if name == "elu":
        # max(z, 0) + exp(min(z, 0)) - 1
        zero = _constant(scope, container, "elu_zero", 0.0, dtype)
        one = _constant(scope, container, "elu_one", 1.0, dtype)
        t = _node(scope, container, "Min", [z, zero], f"elu_min{layer}")
        t = _node(scope, container, "Exp", [t], f"elu_exp{layer}")
        t = _node(scope, container, "Sub", [t, one], f"elu_sub{layer}")
        r = _node(scope, container, "Relu", [z], f"elu_relu{layer}")
        return _node(scope, container, "Add", [r, t], f"elu{layer}")
    if name == "silu":
        s = _node(scope, container, "Sigmoid", [z], f"sigmoid{layer}")
        return _node(scope, container, "Mul", [z, s], f"silu{layer}")
    if name == "gelu":
        if np.dtype(dtype) == np.float64:
            cdf = _normal_cdf_f64(scope, container, z, layer)
            return _node(scope, container, "Mul", [z, cdf], f"gelu{layer}")
        # z * (1 + erf(z / sqrt 2)) / 2
        root = _constant(scope, container, "gelu_sqrt2", np.sqrt(2.0), dtype)
        one = _constant(scope, container, "gelu_one", 1.0, dtype)
        half = _constant(scope, container, "gelu_half", 0.5, dtype)
        e = _node(scope, container, "Div", [z, root], f"gelu_scaled{layer}")
        e = _node(scope, container, "Erf", [e], f"gelu_erf{layer}")
        e = _node(scope, container, "Add", [e, one], f"gelu_cdf{layer}")
        e = _node(scope, container, "Mul", [e, half], f"gelu_half{layer}")
        return _node(scope, container, "Mul", [z, e], f"gelu{layer}")
    if name == "softplus":
        # max(z, 0) + log(1 + exp(-|z|)): ONNX's Softplus overflows to inf
        # for large inputs in some runtimes; this form never does
        one = _constant(scope, container, "softplus_one", 1.0, dtype)
        t = _node(scope, container, "Abs", [z], f"softplus_abs{layer}")
        t = _node(scope, container, "Neg", [t], f"softplus_neg{layer}")
        t = _node(scope, container, "Exp", [t], f"softplus_exp{layer}")
        t = _node(scope, container, "Add", [t, one], f"softplus_add{layer}")
        t = _node(scope, container, "Log", [t], f"softplus_log{layer}")
        r = _node(scope, container, "Relu", [z], f"softplus_relu{layer}")
        return _node(scope, container, "Add", [r, t], f"softplus{layer}")
    if name == "exp":
        # the clipping of _activations._exp, in the narrower of the model's
        # and the graph's precision, so that exp stays finite in both
        bound = min(float(np.log(np.finfo(t).max) - 1.0) for t in (model_dtype, dtype))
        hi = _constant(scope, container, "exp_bound", bound, dtype)
        z = _node(scope, container, "Min", [z, hi], f"clip{layer}")
        return _node(scope, container, "Exp", [z], f"exp{layer}")
    if name == "softmax":
        # axis=1 is the last axis of the (N, n_classes) tensor in every opset
        return _node(scope, container, "Softmax", [z], f"softmax{layer}", axis=1)
    raise NotImplementedError(f"No ONNX conversion for activation {name!r}.")


#: ``erfc(x) = exp(-x**2) erfcx(x)`` is built for ``0 <= x <= _ERFC_END``
#: (beyond it ``exp(-x**2)`` is 0 in float64), with the smooth factor
#: ``erfcx`` as a Chebyshev series in ``t = 2 / (2 + x)``.
_ERFC_END = 28.0
_ERFC_DEGREE = 24


def _erfcx_series():
    """Chebyshev coefficients of ``erfcx`` in ``u``, the image of
    ``t = 2 / (2 + x)`` on ``[-1, 1]``, and the map ``u = c1 t - c0``:
    interpolation at the Chebyshev points, relative error about 3e-14 on
    ``[0, _ERFC_END]``."""
    from numpy.polynomial import chebyshev
    from scipy.special import erfcx

    lo = 2.0 / (2.0 + _ERFC_END)
    c1, c0 = 2.0 / (1.0 - lo), (1.0 + lo) / (1.0 - lo)

    def erfcx_of_u(u):
        return erfcx(2.0 / ((u + c0) / c1) - 2.0)

    return chebyshev.chebinterpolate(erfcx_of_u, _ERFC_DEGREE), c1, c0


def _normal_cdf_f64(scope, container, z, layer):
    """``Phi(z)`` in float64 from elementary operators (onnxruntime has no
    float64 ``Erf``): with ``x = |z| / sqrt 2`` and ``h = erfc(x) / 2``,
    ``Phi(z) = (1 + s) / 2 - s h`` for ``s = sign(z)``, so the lower tail
    keeps its relative accuracy. ``erfc(x) = exp(-x**2) erfcx(x)`` with
    ``erfcx`` a Chebyshev series (:func:`_erfcx_series`) summed by
    Clenshaw's recurrence; relative error about 1e-13."""
    coef, c1, c0 = _erfcx_series()
    f64 = np.float64

    def const(name, value):
        return _constant(scope, container, f"gelu_{name}", value, f64)

    def node(op, inputs, name):
        return _node(scope, container, op, inputs, f"gelu_{name}{layer}")

    x = node("Abs", [z], "abs")
    x = node("Div", [x, const("sqrt2", np.sqrt(2.0))], "x")
    x = node("Min", [x, const("end", _ERFC_END)], "clip")
    two = const("two", 2.0)
    t = node("Div", [two, node("Add", [x, two], "2px")], "t")
    u = node("Sub", [node("Mul", [t, const("c1", c1)], "c1t"), const("c0", c0)], "u")
    two_u = node("Add", [u, u], "2u")
    # Clenshaw: b_k = c_k + 2 u b_{k+1} - b_{k+2}; sum = c_0 + u b_1 - b_2
    b1, b2 = const(f"coef{len(coef) - 1}", coef[-1]), None
    for k in range(len(coef) - 2, 0, -1):
        b = node(
            "Add",
            [node("Mul", [two_u, b1], "clen_mul"), const(f"coef{k}", coef[k])],
            "clen",
        )
        if b2 is not None:
            b = node("Sub", [b, b2], "clen_sub")
        b1, b2 = b, b1
    series = node(
        "Add", [node("Mul", [u, b1], "clen_last"), const("coef0", coef[0])], "series"
    )
    series = node("Sub", [series, b2], "erfcx")
    gauss = node("Exp", [node("Neg", [node("Mul", [x, x], "x2")], "neg")], "gauss")
    half = const("half", 0.5)
    h = node("Mul", [node("Mul", [gauss, series], "erfc"), half], "h")
    s = node("Sign", [z], "sign")
    upper = node("Mul", [node("Add", [s, const("one", 1.0)], "1ps"), half], "base")
    return node("Sub", [upper, node("Mul", [s, h], "sh")], "cdf")


# ----------------------------------------------------------------------------
# BackpropRegressor
def _regressor_shape(operator):
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    check_input_and_output_types(operator, good_input_types=_GOOD_INPUTS)
    estimator = operator.raw_operator
    check_is_fitted(estimator)
    _refuse_intermediate_step(operator.scope_inst, operator)
    n = operator.inputs[0].get_first_dimension()
    tensor_type = _tensor_type(_graph_dtype(operator.inputs[0]))
    operator.outputs[0].type = tensor_type([n, int(estimator.n_outputs_)])


def _convert_regressor(scope, operator, container):
    dtype = _graph_dtype(operator.inputs[0])
    out = _forward(scope, operator, container, operator.raw_operator, dtype)
    container.add_node(
        "Identity",
        [out],
        operator.outputs[0].full_name,
        name=scope.get_unique_operator_name("Identity"),
    )


# ----------------------------------------------------------------------------
# BackpropClassifier
def _classifier_shape(operator):
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    check_input_and_output_types(operator, good_input_types=_GOOD_INPUTS)
    estimator = operator.raw_operator
    check_is_fitted(estimator)
    _refuse_intermediate_step(operator.scope_inst, operator)
    options = operator.scope_inst.get_options(estimator, dict(nocl=False, zipmap=True))
    kind, _ = _labels(estimator, options["nocl"])
    if options["zipmap"] is True and _graph_dtype(operator.inputs[0]) == np.float64:
        raise ValueError(
            "ONNX's ZipMap (skl2onnx's default output of classifiers, a list of "
            "dicts) takes float32 probabilities only, and this classifier is "
            "converted with a float64 (DoubleTensorType) input. Pass "
            "options={id(classifier): {'zipmap': False}} for a probability "
            "tensor, or convert with float32 input."
        )
    n = operator.inputs[0].get_first_dimension()
    n_classes = len(estimator.classes_)
    if _target_kind(estimator) == "multilabel-indicator":
        operator.outputs[0].type = Int64TensorType([n, n_classes])
    elif kind == "string":
        operator.outputs[0].type = StringTensorType([n])
    else:
        operator.outputs[0].type = Int64TensorType([n])
    tensor_type = _tensor_type(_graph_dtype(operator.inputs[0]))
    operator.outputs[1].type = tensor_type([n, n_classes])


def _convert_classifier(scope, operator, container):
    estimator = operator.raw_operator
    nocl = container.get_options(estimator, dict(nocl=False))["nocl"]
    kind, classes = _labels(estimator, nocl)
    target = _target_kind(estimator)
    dtype = _graph_dtype(operator.inputs[0])
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    out = _forward(scope, operator, container, estimator, dtype)
    model_dtype = np.dtype(estimator._dtype_name)

    if estimator.out_activation_ == "softmax":  # multiclass
        container.add_node(
            "Identity", [out], proba, name=scope.get_unique_operator_name("Identity")
        )
        # np.argmax and ArgMax both pick the first of equal maxima
        index = _node(scope, container, "ArgMax", [out], "argmax", axis=1, keepdims=0)
    else:  # logistic: binary or multilabel
        # predict_proba clips to [eps, 1 - eps] of the model's dtype
        eps = np.finfo(model_dtype).eps
        lo = _constant(scope, container, "eps", eps, dtype)
        hi = _constant(scope, container, "one_minus_eps", 1 - eps, dtype)
        clipped = _node(scope, container, "Max", [out, lo], "clip_low")
        clipped = _node(scope, container, "Min", [clipped, hi], "clip_high")
        if target == "binary":
            one = _constant(scope, container, "one", 1, dtype)
            negative = _node(scope, container, "Sub", [one, clipped], "negative")
            container.add_node(
                "Concat",
                [negative, clipped],
                proba,
                axis=1,
                name=scope.get_unique_operator_name("Concat"),
            )
        else:
            container.add_node(
                "Identity",
                [clipped],
                proba,
                name=scope.get_unique_operator_name("Identity"),
            )
        # LabelBinarizer.inverse_transform: the unclipped output > 0.5
        half = _constant(scope, container, "threshold", 0.5, dtype)
        positive = _node(scope, container, "Greater", [out, half], "positive")
        if target == "multilabel-indicator":
            container.add_node(
                "Cast",
                [positive],
                label,
                to=TensorProto.INT64,
                name=scope.get_unique_operator_name("Cast"),
            )
            return
        index = _node(
            scope, container, "Cast", [positive], "index", to=TensorProto.INT64
        )
        shape = _constant(scope, container, "flat", [-1], np.int64)
        index = _node(scope, container, "Reshape", [index, shape], "index_flat")

    name = scope.get_unique_variable_name("classes")
    if kind == "string":
        container.add_initializer(
            name,
            TensorProto.STRING,
            [len(classes)],
            [str(c).encode("utf-8") for c in classes],
        )
    else:
        container.add_initializer(name, TensorProto.INT64, [len(classes)], classes)
    container.add_node(
        "Gather",
        [name, index],
        label,
        axis=0,
        name=scope.get_unique_operator_name("Gather"),
    )


# ----------------------------------------------------------------------------
# TransformedTargetRegressor with a MinMaxScaler or StandardScaler
def _check_target_transformer(estimator):
    check_is_fitted(estimator)
    transformer = estimator.transformer_
    if type(transformer) not in (MinMaxScaler, StandardScaler):
        raise NotImplementedError(
            "skbackprop.onnx converts a TransformedTargetRegressor only when its "
            "transformer is a MinMaxScaler or a StandardScaler (its "
            "inverse_transform is then written into the graph); this one has "
            f"{type(transformer).__name__}"
            + (
                " (built from func/inverse_func)"
                if estimator.transformer is None
                else ""
            )
            + ". Scale the target with one of those, or predict the transformed "
            "target with ONNX and invert it yourself."
        )
    return transformer


def _target_shape(operator):
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    check_input_and_output_types(operator, good_input_types=_GOOD_INPUTS)
    transformer = _check_target_transformer(operator.raw_operator)
    n = operator.inputs[0].get_first_dimension()
    tensor_type = _tensor_type(_graph_dtype(operator.inputs[0]))
    operator.outputs[0].type = tensor_type([n, int(transformer.n_features_in_)])


def _convert_target(scope, operator, container):
    estimator = operator.raw_operator
    transformer = _check_target_transformer(estimator)
    opv = container.target_opset
    dtype = _graph_dtype(operator.inputs[0])
    n_targets = int(transformer.n_features_in_)
    y = OnnxSubEstimator(estimator.regressor_, operator.inputs[0], op_version=opv)
    y = OnnxReshapeApi13(y, np.array([-1, n_targets], dtype=np.int64), op_version=opv)

    def cast(node, to):
        return OnnxCast(node, to=np_dtype_to_tensor_dtype(to), op_version=opv)

    def in_place(node, op, value):
        # numpy's ``y op= value`` on an array of the graph's dtype: computed
        # in the common type, rounded back to the graph's dtype
        work = np.result_type(dtype, np.asarray(value).dtype)
        if work != dtype:
            node = cast(node, work)
        node = op(node, np.asarray(value, dtype=work), op_version=opv)
        return cast(node, dtype) if work != dtype else node

    if isinstance(transformer, MinMaxScaler):
        # X -= min_; X /= scale_
        y = in_place(y, OnnxSub, transformer.min_)
        y = in_place(y, OnnxDiv, transformer.scale_)
    else:
        # StandardScaler casts scale_ and mean_ to the dtype of X first
        if transformer.with_std:
            y = in_place(y, OnnxMul, transformer.scale_.astype(dtype))
        if transformer.with_mean:
            y = in_place(y, OnnxAdd, transformer.mean_.astype(dtype))
    final = OnnxIdentity(y, op_version=opv, output_names=operator.outputs[:1])
    final.add_to(scope, container)


# ----------------------------------------------------------------------------
# registration
def _register():
    update_registered_converter(
        BackpropRegressor, REGRESSOR_ALIAS, _regressor_shape, _convert_regressor
    )
    update_registered_converter(
        BackpropClassifier,
        CLASSIFIER_ALIAS,
        _classifier_shape,
        _convert_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [False, True]},
    )
    try:
        get_model_alias(TransformedTargetRegressor)
    except RuntimeError:  # skl2onnx has no converter of its own
        update_registered_converter(
            TransformedTargetRegressor, TARGET_ALIAS, _target_shape, _convert_target
        )


_register()


# ----------------------------------------------------------------------------
# convenience
def _network_dtype(model):
    """The dtype of the first skbackprop network in ``model`` (through
    pipelines, target transformers and fitted searches), or None."""
    if isinstance(model, BackpropRegressor | BackpropClassifier):
        check_is_fitted(model)
        return np.dtype(model._dtype_name)
    if isinstance(model, Pipeline):
        children = [step for _, step in model.steps]
    else:
        children = [
            getattr(model, name)
            for name in ("regressor_", "best_estimator_", "estimator_")
            if hasattr(model, name)
        ]
    for child in children:
        dtype = _network_dtype(child)
        if dtype is not None:
            return dtype
    return None


def to_onnx(model, X, **kwargs):
    """Convert a fitted model holding a skbackprop network to ONNX.

    ``skl2onnx.to_onnx(model, X[:1], **kwargs)`` with the first row of ``X``
    cast to the network's dtype, so that the graph computes in the precision
    the model was fitted in: float32 for a model fitted on float32 data
    (a ``FloatTensorType`` input), float64 otherwise (``DoubleTensorType``).
    The input of the graph is named ``"X"``.

    Parameters
    ----------
    model : estimator
        A fitted :class:`~skbackprop.BackpropRegressor` or
        :class:`~skbackprop.BackpropClassifier`, or a pipeline,
        :class:`~sklearn.compose.TransformedTargetRegressor` or fitted search
        around one (any model skl2onnx converts is accepted; without a
        skbackprop network inside, ``X`` keeps its own dtype).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Input of the model; only its first row is used, to tell skl2onnx the
        number of features.
    **kwargs : dict
        Passed on to :func:`skl2onnx.to_onnx`, for example ``target_opset=17``
        or ``options={id(classifier): {"zipmap": False}}``.

    Returns
    -------
    onx : onnx.ModelProto
        The ONNX model; ``onx.SerializeToString()`` is what
        ``onnxruntime.InferenceSession`` loads.

    Raises
    ------
    NotImplementedError
        For a ``TransformedTargetRegressor`` whose transformer is neither a
        ``MinMaxScaler`` nor a ``StandardScaler``.
    ValueError
        For a classifier fitted on a single class or with class labels that
        are neither integers nor strings.

    See Also
    --------
    skl2onnx.to_onnx : The conversion this function calls.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop import BackpropRegressor
    >>> from skbackprop.onnx import to_onnx
    >>> X = np.linspace(0, 1, 40, dtype=np.float32).reshape(-1, 2)
    >>> y = X.sum(axis=1)
    >>> reg = BackpropRegressor(hidden_layer_sizes=(4,), solver="lbfgs",
    ...                         random_state=0).fit(X, y)
    >>> onx = to_onnx(reg, X)
    >>> onx.graph.input[0].type.tensor_type.elem_type == 1  # FLOAT
    True
    """
    if issparse(X):
        sample = X[:1].toarray()
    elif hasattr(X, "iloc"):  # a DataFrame: one array input, not one per column
        sample = np.asarray(X.iloc[:1])
    else:
        sample = np.asarray(X)[:1]
    if sample.ndim != 2 or sample.shape[0] != 1:
        raise ValueError(
            "X must be a 2-D array with at least one row, got an array of shape "
            f"{np.shape(X)!r}."
        )
    dtype = _network_dtype(model)
    if dtype is not None:
        sample = sample.astype(dtype)
    return _skl2onnx_to_onnx(model, sample, **kwargs)
