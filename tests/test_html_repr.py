"""The HTML repr (Jupyter) links the estimators to their API pages.

scikit-learn's repr puts a "?" link to the estimator's documentation in the
diagram, and (scikit-learn 1.7 and later) links every parameter, and every
fitted attribute, to its entry there with a text fragment,
``<page>#:~:text=<name>,-<type>``: the browser scrolls to the name followed
by its type as the docstring writes it. The page is
``<DOCS_URL>generated/skbackprop.<Class>.html``, where autosummary writes it
(``:toctree: generated/`` in docs/api.rst).
"""

import re
import warnings
from html import unescape
from pathlib import Path
from urllib.parse import unquote

import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skbackprop import BackpropClassifier, BackpropRegressor
from skbackprop._docs import DOCS_URL
from skbackprop.pipeline import make_scaled_pipeline

ROOT = Path(__file__).resolve().parent.parent
ESTIMATORS = [BackpropRegressor, BackpropClassifier]
HREF = re.compile(r'href="([^"]*)"')


def _page(cls):
    return f"{DOCS_URL}generated/skbackprop.{cls.__name__}.html"


def _links(html):
    return [unescape(link) for link in HREF.findall(html)]


def _fragments(html, page):
    """``{name: type}`` of the text-fragment links to ``page``."""
    out = {}
    for link in _links(html):
        if link.startswith(page + "#:~:text="):
            start, _, suffix = link.split("#:~:text=", 1)[1].partition(",-")
            out[unquote(start)] = unquote(suffix)
    return out


def _documented_types(cls):
    """``{name: type}`` of the Parameters and Attributes sections, each name's
    first ``name : type`` line, as the docstring writes it."""
    types = {}
    for name, type_ in re.findall(r"^\s*(\w+) : (.+)$", cls.__doc__, re.MULTILINE):
        types.setdefault(name, type_.replace("`", ""))
    return types


def _has_parameter_links():
    # a scikit-learn feature (1.7+): its own estimators link their parameters
    return "#:~:text=" in LinearRegression()._repr_html_()


def test_docs_url_is_the_documentation_url_of_the_package():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    assert project["urls"]["Documentation"] == DOCS_URL
    assert DOCS_URL.startswith("https://") and DOCS_URL.endswith("/")


def test_api_pages_are_generated_where_the_links_point():
    """autosummary writes ``generated/skbackprop.<Class>.rst`` for the names
    docs/api.rst lists under ``currentmodule:: skbackprop`` with
    ``:toctree: generated/``; Sphinx makes it ``generated/...html``."""
    api = (ROOT / "docs" / "api.rst").read_text(encoding="utf-8")
    estimators = api.split("Estimators\n", 1)[1].split("\n---", 1)[0]
    assert ".. currentmodule:: skbackprop\n" in estimators
    assert ":toctree: generated/\n" in estimators
    for cls in ESTIMATORS:
        assert re.search(rf"^   {cls.__name__}$", estimators, re.MULTILINE)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_repr_links_the_api_page(cls):
    estimator = cls(hidden_layer_sizes=(5,))
    assert estimator._get_doc_link() == _page(cls)
    links = _links(estimator._repr_html_())
    assert _page(cls) in links  # the "?" link of the diagram


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_fitted_repr_links_the_api_page(cls):
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator = cls(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y)
    assert _page(cls) in _links(estimator._repr_html_())


@pytest.mark.parametrize(
    "make",
    [
        lambda cls: make_pipeline(MinMaxScaler(), cls()),
        lambda cls: make_scaled_pipeline(cls()),
    ],
    ids=["make_pipeline", "make_scaled_pipeline"],
)
@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_pipeline_repr_links_each_step(cls, make):
    links = _links(make(cls)._repr_html_())
    assert _page(cls) in links
    # scikit-learn's own steps keep their links to scikit-learn.org
    assert any(
        link.startswith("https://scikit-learn.org/")
        and link.endswith("sklearn.preprocessing.MinMaxScaler.html")
        for link in links
    )
    assert any(link.endswith("sklearn.pipeline.Pipeline.html") for link in links)


def test_subclasses_outside_skbackprop_get_no_link():
    """A user's subclass is not documented on our pages (scikit-learn links
    only classes of ``_doc_link_module``)."""

    class MyRegressor(BackpropRegressor):
        pass

    assert MyRegressor.__module__.split(".")[0] != "skbackprop"
    assert MyRegressor()._get_doc_link() == ""
    assert not any("skbackprop" in link for link in _links(MyRegressor()._repr_html_()))


@pytest.mark.skipif(
    not _has_parameter_links(), reason="scikit-learn without parameter links"
)
@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_repr_links_every_parameter_to_its_entry(cls):
    estimator = cls()
    fragments = _fragments(estimator._repr_html_(), _page(cls))
    assert set(fragments) == set(estimator.get_params())
    documented = _documented_types(cls)
    # scikit-learn finds a parameter's type with an unanchored search of
    # "<name> : " in the docstring: "init" first matches the line of
    # "learning_rate_init", so its link carries that type and the browser
    # does not find it (the page still opens). Every other parameter links
    # to its own name and type.
    misread = {name for name, type_ in fragments.items() if type_ != documented[name]}
    assert misread <= {"init"}


@pytest.mark.skipif(
    not _has_parameter_links(), reason="scikit-learn without parameter links"
)
@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_fitted_repr_links_the_fitted_attributes(cls):
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator = cls(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y)
    fragments = _fragments(estimator._repr_html_(), _page(cls))
    documented = _documented_types(cls)
    for name in ("coefs_", "intercepts_", "loss_curve_", "n_iter_", "n_features_in_"):
        assert fragments[name] == documented[name]
