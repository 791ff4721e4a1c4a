"""The public API documents itself: numpydoc sections match the code.

As in imbalanced-learn's docstring tests, with numpydoc's ``docscrape``:

* every ``__init__`` parameter of a public class is documented, in the same
  order, in the class docstring's *Parameters* section, and nothing else is;
* every fitted attribute (a public name ending with ``_`` that ``fit`` or
  ``partial_fit`` sets, collected over several configurations) is documented
  in *Attributes*;
* every public function, and every public method defined in skbackprop
  (inherited scikit-learn methods such as ``score`` are skipped), documents
  exactly its parameters, in order, and has a *Returns* section when it
  returns a value.
"""

import ast
import inspect
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning

import skbackprop
from skbackprop import BackpropClassifier, BackpropRegressor, check_gradients
from skbackprop.optimizers import SGD, Adam, minimize_lbfgs

docscrape = pytest.importorskip("numpydoc.docscrape")

try:
    from skbackprop.pipeline import make_scaled_pipeline
except ImportError:  # pragma: no cover - module not written yet
    make_scaled_pipeline = None
try:
    from skbackprop.plotting import LossCurveDisplay
except ImportError:  # pragma: no cover - module not written yet
    LossCurveDisplay = None
try:
    from skbackprop.onnx import to_onnx as onnx_to_onnx
except ImportError:  # the onnx extra (skl2onnx) is not installed
    onnx_to_onnx = None

ESTIMATORS = [BackpropRegressor, BackpropClassifier]
CLASSES = ESTIMATORS + [SGD, Adam] + [c for c in [LossCurveDisplay] if c]
FUNCTIONS = [check_gradients, minimize_lbfgs] + [
    f for f in [make_scaled_pipeline, onnx_to_onnx] if f
]


def _ids(objects):
    return [obj.__qualname__ for obj in objects]


def _doc(obj):
    doc = inspect.getdoc(obj)
    assert doc, f"{obj.__qualname__} has no docstring"
    with warnings.catch_warnings():
        # docscrape warns about unknown sections; the comparisons below are
        # what this test is about
        warnings.simplefilter("ignore", UserWarning)
        return docscrape.NumpyDocString(doc)


def _documented_names(section):
    """Names of a numpydoc Parameters/Attributes section, in order.

    ``beta_1, beta_2 : float`` documents two names.
    """
    names = []
    for param in section:
        names.extend(name.strip() for name in param.name.split(","))
    return names


def _signature_names(func):
    """Parameter names as numpydoc spells them (``*args``, ``**kwargs``)."""
    names = []
    for name, param in inspect.signature(func).parameters.items():
        if name in ("self", "cls"):
            continue
        if param.kind is param.VAR_POSITIONAL:
            name = "*" + name
        elif param.kind is param.VAR_KEYWORD:
            name = "**" + name
        names.append(name)
    return names


def _returns_a_value(func):
    """Whether ``func`` has a ``return <value>`` or ``yield`` of its own.

    Returns of nested functions and lambdas do not count.
    """
    source = textwrap.dedent(inspect.getsource(func))
    (node,) = ast.parse(source).body
    stack = list(node.body)
    while stack:
        child = stack.pop()
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(child, ast.Yield | ast.YieldFrom):
            return True
        if (
            isinstance(child, ast.Return)
            and child.value is not None
            and not (
                isinstance(child.value, ast.Constant) and child.value.value is None
            )
        ):
            return True
        stack.extend(ast.iter_child_nodes(child))
    return False


def _public_methods(cls):
    """Public methods defined in skbackprop by ``cls`` or its bases.

    Methods inherited from scikit-learn (``score``, ``get_params``,
    ``set_callbacks``, ...) and the generated ``set_*_request`` methods of
    metadata routing are documented by scikit-learn and skipped.
    """
    methods = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("skbackprop"):
            continue
        for name, member in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(member, staticmethod | classmethod):
                member = member.__func__
            elif isinstance(member, property):
                continue
            elif type(member).__name__ == "_AvailableIfDescriptor":
                member = member.fn
            if inspect.isfunction(member):
                methods[name] = member
    return methods


def _check_function_doc(func, label):
    """Problems of the Parameters/Returns sections of one function."""
    doc = _doc(func)
    problems = []
    expected = _signature_names(func)
    documented = _documented_names(doc["Parameters"])
    if documented != expected:
        problems.append(
            f"{label}: Parameters section documents {documented}, "
            f"the signature has {expected}"
        )
    if _returns_a_value(func) and not doc["Returns"]:
        problems.append(f"{label}: returns a value but has no Returns section")
    return problems


# ----------------------------------------------------------------------------
# constructor parameters
@pytest.mark.parametrize("cls", CLASSES, ids=_ids(CLASSES))
def test_init_parameters_documented_in_order(cls):
    documented = _documented_names(_doc(cls)["Parameters"])
    expected = _signature_names(cls.__init__)
    missing = [name for name in expected if name not in documented]
    extra = [name for name in documented if name not in expected]
    assert not missing, f"{cls.__name__}: parameters not documented: {missing}"
    assert not extra, f"{cls.__name__}: documented but not parameters: {extra}"
    assert documented == expected, (
        f"{cls.__name__}: the Parameters section is not in the order of the "
        f"signature.\n  documented: {documented}\n  signature:  {expected}"
    )


def test_estimator_signatures_match_scikit_learn_mlps():
    """The shared parameters come in scikit-learn's order (drop-in use)."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    for ours, theirs in [
        (BackpropRegressor, MLPRegressor),
        (BackpropClassifier, MLPClassifier),
    ]:
        mine = _signature_names(ours.__init__)
        reference = _signature_names(theirs.__init__)
        assert mine[: len(reference)] == reference, ours.__name__


# ----------------------------------------------------------------------------
# fitted attributes
def _regression_data():
    X, y = make_regression(n_samples=60, n_features=4, noise=1.0, random_state=0)
    return X / X.std(axis=0), y / y.std()


def _classification_data():
    X, y = load_iris(return_X_y=True)
    return X / X.max(axis=0), y


def _fit_configurations(cls):
    """Fitted estimators of ``cls`` covering the code paths that set attributes."""
    if cls is BackpropRegressor:
        X, y = _regression_data()
    else:
        X, y = _classification_data()
    common = dict(hidden_layer_sizes=(4,), max_iter=8, random_state=0)
    configurations = [
        dict(solver="sgd", early_stopping=True, n_iter_no_change=2),
        dict(solver="adam"),
        dict(solver="lbfgs"),
        dict(solver="adam", n_init=2),
        dict(solver="lbfgs", n_init=2),
        dict(solver="sgd", n_init=2, early_stopping=True),
    ]
    fitted = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for params in configurations:
            fitted.append(cls(**common, **params).fit(X, y))
        # partial_fit, and fit on a DataFrame (feature_names_in_) if pandas
        # is installed
        est = cls(**common)
        if cls is BackpropClassifier:
            est.partial_fit(X, y, classes=np.unique(y))
        else:
            est.partial_fit(X, y)
        fitted.append(est)
        try:
            import pandas as pd
        except ImportError:
            pass
        else:
            frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
            fitted.append(cls(**common).fit(frame, y))
        if cls is BackpropRegressor:  # two outputs
            fitted.append(cls(**common).fit(X, np.c_[y, -y]))
        else:  # binary and multilabel targets
            fitted.append(cls(**common).fit(X, y == 0))
            fitted.append(cls(**common).fit(X, np.c_[y == 0, y == 1]))
    return fitted


def _fitted_attribute_names(estimators):
    names = set()
    for est in estimators:
        names.update(
            name
            for name in vars(est)
            if name.endswith("_") and not name.startswith("_")
        )
    return names


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_fitted_attributes_documented(cls):
    fitted = _fitted_attribute_names(_fit_configurations(cls))
    documented = set(_documented_names(_doc(cls)["Attributes"]))
    assert {"coefs_", "loss_curve_", "n_iter_"} <= fitted  # sanity
    missing = sorted(fitted - documented)
    assert not missing, f"{cls.__name__}: fitted attributes not documented: {missing}"


def test_display_attributes_documented(tmp_path):
    if LossCurveDisplay is None:
        pytest.skip("skbackprop.plotting is not available")
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = _regression_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = BackpropRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
        est.fit(X, y)
    try:
        display = LossCurveDisplay.from_estimator(est)
        fitted = _fitted_attribute_names([display])
    finally:
        plt.close("all")
    documented = set(_documented_names(_doc(LossCurveDisplay)["Attributes"]))
    missing = sorted(fitted - documented)
    assert not missing, f"LossCurveDisplay: attributes not documented: {missing}"


# ----------------------------------------------------------------------------
# functions and methods
METHODS = [
    (cls, name, method)
    for cls in CLASSES
    for name, method in sorted(_public_methods(cls).items())
]


def test_estimator_methods_are_checked():
    checked = {(cls.__name__, name) for cls, name, _ in METHODS}
    for cls in ESTIMATORS:
        for name in ("fit", "partial_fit", "predict"):
            assert (cls.__name__, name) in checked
    assert ("BackpropClassifier", "predict_proba") in checked
    assert ("BackpropClassifier", "predict_log_proba") in checked
    # inherited from scikit-learn: documented there
    assert ("BackpropRegressor", "score") not in checked


@pytest.mark.parametrize(
    "cls, name, method",
    METHODS,
    ids=[f"{cls.__name__}.{name}" for cls, name, _ in METHODS],
)
def test_method_parameters_and_returns_documented(cls, name, method):
    problems = _check_function_doc(method, f"{cls.__name__}.{name}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("func", FUNCTIONS, ids=_ids(FUNCTIONS))
def test_function_parameters_and_returns_documented(func):
    problems = _check_function_doc(func, func.__qualname__)
    assert not problems, "\n".join(problems)


def test_public_names_are_covered():
    """A new public name must be added to the lists above."""
    covered = {obj.__name__ for obj in CLASSES + FUNCTIONS}
    warnings_ = {"DivergenceWarning", "NonFiniteOutputWarning"}
    public = set(skbackprop.__all__) - {"__version__"} - warnings_
    public |= {"SGD", "Adam", "minimize_lbfgs"}
    assert public <= covered, sorted(public - covered)


def test_available_if_methods_are_unwrapped():
    # partial_fit is hidden behind available_if; the check must see its
    # docstring, not the descriptor's
    descriptor = vars(BackpropRegressor)["partial_fit"]
    assert type(descriptor).__name__ == "_AvailableIfDescriptor"
    assert _public_methods(BackpropRegressor)["partial_fit"] is descriptor.fn
