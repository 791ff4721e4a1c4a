"""Intersphinx inventories of scikit-learn, NumPy and SciPy, written offline.

The documentation links names such as :class:`~sklearn.pipeline.Pipeline`,
:class:`numpy.ndarray` or :func:`scipy.optimize.minimize` to those projects'
sites. Intersphinx would download each project's ``objects.inv`` for that;
the build must not use the network (CI has none), so :func:`write_inventories`
writes the inventories itself, from the packages installed next to Sphinx:
it walks their public API (each public module's ``__all__``, or the public
classes and functions it defines) and maps every name to the address of its
page on the project's site (``stable`` documentation), following each site's
URL scheme. The inventories thus describe the installed versions; a name the
installed version does not have gets no link, and one that exists locally
but not on the site (rare) links to a missing page.

Besides Python objects, the scikit-learn inventory has the glossary terms its
docstrings use (``:term:`meta-estimator```, found by scanning the same
docstrings) and the few user-guide labels that the docstrings of the
inherited estimator methods on our API pages refer to (:data:`SKLEARN_LABELS`;
a new one is a build warning, add it there).
"""

import hashlib
import importlib
import inspect
import numbers
import pkgutil
import re
import types
import warnings
import zlib
from pathlib import Path
from typing import NamedTuple

# the sites, with the trailing slash intersphinx joins the locations to
SKLEARN_URL = "https://scikit-learn.org/stable/"
NUMPY_URL = "https://numpy.org/doc/stable/"
SCIPY_URL = "https://docs.scipy.org/doc/scipy/"

# scikit-learn user-guide labels (doc/**/*.rst ``.. _label:``) that docstrings
# shown in these docs refer to: label -> (page#anchor, section title)
SKLEARN_LABELS = {
    "accuracy_score": (
        "modules/model_evaluation.html#accuracy-score",
        "Accuracy score",
    ),
    "r2_score": (
        "modules/model_evaluation.html#r2-score",
        "R² score, the coefficient of determination",
    ),
    "metadata_routing": ("metadata_routing.html#metadata-routing", "Metadata Routing"),
    "df_output_transform": (
        "modules/df_output_transform.html#df-output-transform",
        "Pandas/Polars Output for Transformers with set_output API",
    ),
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py": (
        "auto_examples/miscellaneous/plot_set_output.html"
        "#sphx-glr-auto-examples-miscellaneous-plot-set-output-py",
        "Introducing the set_output API",
    ),
}
# glossary terms linked from these docs' own text, besides those the
# scikit-learn docstrings use
SKLEARN_TERMS = ("array-like", "estimator", "meta-estimator")

# NumPy's glossary terms and labels that numpydoc's default type aliases use
NUMPY_TERMS = ("array_like",)
NUMPY_LABELS = {
    "arrays.scalars": ("reference/arrays.scalars.html#arrays-scalars", "Scalars")
}

# the NumPy modules with a page of their own, and the page
NUMPY_MODULES = {
    "numpy": "reference/index.html",
    "numpy.linalg": "reference/routines.linalg.html",
    "numpy.fft": "reference/routines.fft.html",
    "numpy.random": "reference/random/index.html",
    "numpy.testing": "reference/routines.testing.html",
    "numpy.exceptions": "reference/routines.exceptions.html",
    "numpy.typing": "reference/typing.html",
}
# the NumPy namespaces whose names have pages reference/generated/<name>.html
# (numpy.random and numpy.typing have their own pages, below)
NUMPY_NAMESPACES = (
    "numpy",
    "numpy.linalg",
    "numpy.fft",
    "numpy.testing",
    "numpy.exceptions",
    "numpy.ma",
    "numpy.char",
    "numpy.strings",
    "numpy.rec",
    "numpy.emath",
    "numpy.ctypeslib",
    "numpy.lib",
    "numpy.lib.stride_tricks",
)
# numpy.random's classes are documented on these pages, not on generated ones
_BIT_GENERATORS = "reference/random/bit_generators/"
NUMPY_RANDOM_PAGES = {
    "Generator": "reference/random/generator.html",
    "default_rng": "reference/random/generator.html",
    "RandomState": "reference/random/legacy.html",
    "SeedSequence": _BIT_GENERATORS + "generated/numpy.random.SeedSequence.html",
    "BitGenerator": _BIT_GENERATORS + "generated/numpy.random.BitGenerator.html",
    "MT19937": _BIT_GENERATORS + "mt19937.html",
    "PCG64": _BIT_GENERATORS + "pcg64.html",
    "PCG64DXSM": _BIT_GENERATORS + "pcg64dxsm.html",
    "Philox": _BIT_GENERATORS + "philox.html",
    "SFC64": _BIT_GENERATORS + "sfc64.html",
}

# public SciPy modules below the subpackages listed in ``scipy.submodules``
SCIPY_SUBMODULES = (
    "io.arff",
    "io.matlab",
    "io.wavfile",
    "linalg.blas",
    "linalg.interpolative",
    "linalg.lapack",
    "signal.windows",
    "sparse.csgraph",
    "sparse.linalg",
    "spatial.distance",
    "spatial.transform",
    "stats.contingency",
    "stats.mstats",
    "stats.qmc",
    "stats.sampling",
)

_TERM_ROLE = re.compile(r":term:`(?:[^`<]*<)?([^`<>]+?)>?`")


class Entry(NamedTuple):
    """One inventory line: ``name domain:role priority location dispname``."""

    name: str
    role: str  # e.g. "py:class"
    location: str  # relative to the project's URL; a trailing "$" is ``name``
    dispname: str = "-"  # "-": the name itself


def write_inventories(directory):
    """Write the inventories into ``directory``; return ``intersphinx_mapping``.

    The files are kept while the installed versions and this module stay the
    same (a stamp file records them): walking the packages takes seconds.

    Parameters
    ----------
    directory : path-like
        Where to write ``sklearn.inv``, ``numpy.inv`` and ``scipy.inv``
        (created if missing).

    Returns
    -------
    mapping : dict
        ``{name: (url, path)}``, the value of Sphinx's ``intersphinx_mapping``.
    """
    import numpy
    import scipy
    import sklearn

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    projects = [
        ("sklearn", "scikit-learn", sklearn.__version__, SKLEARN_URL, _sklearn),
        ("numpy", "NumPy", numpy.__version__, NUMPY_URL, _numpy),
        ("scipy", "SciPy", scipy.__version__, SCIPY_URL, _scipy),
    ]
    mapping = {
        key: (url, str(directory / f"{key}.inv")) for key, _, _, url, _ in projects
    }
    # what the files were made from: the versions and this module's code
    stamp = directory / "stamp.txt"
    state = " ".join(f"{key}={version}" for key, _, version, _, _ in projects)
    state += " " + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    current = stamp.is_file() and stamp.read_text(encoding="utf-8") == state
    if current and all(Path(path).is_file() for _, path in mapping.values()):
        return mapping
    with warnings.catch_warnings():
        # deprecated names and modules warn when they are looked at
        warnings.simplefilter("ignore")
        for key, project, version, _, entries in projects:
            _write(Path(mapping[key][1]), project, version, entries())
    stamp.write_text(state, encoding="utf-8")
    return mapping


def _write(path, project, version, entries):
    """Write a version-2 Sphinx inventory (a header, then zlib lines)."""
    lines = sorted(
        {f"{e.name} {e.role} 1 {e.location} {e.dispname}\n" for e in entries}
    )
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.write_bytes(header.encode() + zlib.compress("".join(lines).encode(), 9))


# -- walking the public API ---------------------------------------------------
def _import(name):
    try:
        return importlib.import_module(name)
    except Exception:  # an optional dependency is missing: no entries
        return None


def _public_names(module, root):
    """``module.__all__``, or the public classes and functions defined in the
    package ``root`` that ``module`` holds."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, obj in vars(module).items()
            if (inspect.isclass(obj) or inspect.isroutine(obj))
            and (getattr(obj, "__module__", None) or "").split(".")[0] == root
        ]
    for name in names:
        if name.startswith("_"):
            continue
        try:
            obj = getattr(module, name)
        except Exception:  # AttributeError; ImportError of experimental ones
            continue
        yield name, obj


def _object_role(obj):
    if inspect.isclass(obj):
        return "py:exception" if issubclass(obj, BaseException) else "py:class"
    if callable(obj):  # functions, builtins, NumPy ufuncs, ...
        return "py:function"
    return "py:data"


def _members(cls):
    """Public methods and attributes of ``cls``, inherited ones included:
    ``(name, role)``."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        try:
            attr = inspect.getattr_static(cls, name)
        except AttributeError:
            continue
        if isinstance(attr, property) or inspect.isdatadescriptor(attr):
            yield name, "py:attribute"
        elif (
            inspect.isroutine(attr)
            or isinstance(attr, (staticmethod, classmethod))
            # other non-data descriptors: available_if, metadata requests
            or inspect.ismethoddescriptor(attr)
        ):
            yield name, "py:method"


def _terms(obj):
    """The ``:term:`` targets in the docstrings of ``obj`` (and its methods)."""
    docs = [inspect.getdoc(obj) or ""]
    if inspect.isclass(obj):
        for name, role in _members(obj):
            if role == "py:method":
                docs.append(inspect.getdoc(getattr(obj, name, None)) or "")
    return {term.strip() for doc in docs for term in _TERM_ROLE.findall(doc)}


def _term_anchor(term):
    # Sphinx's ids of glossary terms: "term-" and the term, runs of other
    # characters than letters, digits, "." and "_" made one "-"
    return "term-" + re.sub(r"[^A-Za-z0-9._]+", "-", " ".join(term.split())).strip("-")


# -- scikit-learn ------------------------------------------------------------
def _sklearn_modules():
    """``sklearn`` and its public modules, recursively (not the tests,
    vendored code or the ``sklearn.experimental`` switches, which import
    experimental features when imported)."""
    import sklearn

    yield sklearn
    skip = {"tests", "externals", "experimental", "conftest"}
    for info in pkgutil.walk_packages(
        sklearn.__path__, "sklearn.", onerror=lambda name: None
    ):
        parts = info.name.split(".")[1:]
        if any(part.startswith("_") or part in skip for part in parts):
            continue
        module = _import(info.name)
        if module is not None:
            yield module


def _sklearn():
    terms = set(SKLEARN_TERMS)
    for module in _sklearn_modules():
        modname = module.__name__
        top = ".".join(modname.split(".")[:2])
        # the API reference has one page per top-level module; submodules
        # are sections of their parent's page
        yield Entry(modname, "py:module", f"api/{top}.html#module-$")
        for name, obj in _public_names(module, "sklearn"):
            if isinstance(obj, types.ModuleType):
                continue
            fullname = f"{modname}.{name}"
            page = f"modules/generated/{fullname}.html"
            yield Entry(fullname, _object_role(obj), page + "#$")
            if inspect.isclass(obj):
                # every method and attribute is documented on the class page
                for member, role in _members(obj):
                    yield Entry(f"{fullname}.{member}", role, page + "#$")
            terms |= _terms(obj)
    for term in terms:
        yield Entry(
            term.lower(), "std:term", f"glossary.html#{_term_anchor(term)}", term
        )
    for label, (location, title) in SKLEARN_LABELS.items():
        yield Entry(label, "std:label", location, title)


# -- NumPy ---------------------------------------------------------------------
def _numpy():
    import numpy

    for modname, page in NUMPY_MODULES.items():
        yield Entry(modname, "py:module", f"{page}#module-$")
    for modname in NUMPY_NAMESPACES:
        module = _import(modname)
        if module is None:
            continue
        for name, obj in _public_names(module, "numpy"):
            if isinstance(obj, types.ModuleType):
                continue
            fullname = f"{modname}.{name}"
            if inspect.isclass(obj) and issubclass(obj, numpy.generic):
                yield Entry(fullname, "py:class", "reference/arrays.scalars.html#$")
            elif isinstance(obj, numbers.Number) or obj is None:  # pi, nan, newaxis
                yield Entry(fullname, "py:data", "reference/constants.html#$")
            else:
                yield Entry(
                    fullname,
                    _object_role(obj),
                    f"reference/generated/{fullname}.html#$",
                )
                if inspect.isclass(obj) and modname == "numpy":
                    # ndarray.astype, dtype.kind, ...: one page each
                    for member, role in _members(obj):
                        member = f"{fullname}.{member}"
                        yield Entry(
                            member, role, f"reference/generated/{member}.html#$"
                        )

    from numpy import random

    for name, obj in _public_names(random, "numpy"):
        fullname = f"numpy.random.{name}"
        if name in NUMPY_RANDOM_PAGES:
            yield Entry(fullname, _object_role(obj), f"{NUMPY_RANDOM_PAGES[name]}#$")
        else:  # the legacy functions: numpy.random.rand, ...
            yield Entry(
                fullname, "py:function", f"reference/random/generated/{fullname}.html#$"
            )
        if name in ("Generator", "RandomState"):
            for member, role in _members(obj):
                member = f"{fullname}.{member}"
                yield Entry(member, role, f"reference/random/generated/{member}.html#$")

    from numpy import typing

    for name, obj in _public_names(typing, "numpy"):
        role = "py:class" if inspect.isclass(obj) else "py:data"
        yield Entry(f"numpy.typing.{name}", role, "reference/typing.html#$")

    for term in NUMPY_TERMS:
        yield Entry(
            term.lower(), "std:term", f"glossary.html#{_term_anchor(term)}", term
        )
    for label, (location, title) in NUMPY_LABELS.items():
        yield Entry(label, "std:label", location, title)


# -- SciPy ---------------------------------------------------------------------
def _scipy():
    import scipy

    yield Entry("scipy", "py:module", "reference/index.html#module-$")
    for sub in [*scipy.submodules, *SCIPY_SUBMODULES]:
        modname = f"scipy.{sub}"
        module = _import(modname)
        if module is None:
            continue
        yield Entry(modname, "py:module", f"reference/{sub}.html#module-$")
        for name, obj in _public_names(module, "scipy"):
            if isinstance(obj, types.ModuleType):
                continue
            fullname = f"{modname}.{name}"
            yield Entry(
                fullname, _object_role(obj), f"reference/generated/{fullname}.html#$"
            )
            if inspect.isclass(obj):
                # scipy.sparse.csr_array.toarray, ...: one page each
                for member, role in _members(obj):
                    member = f"{fullname}.{member}"
                    yield Entry(member, role, f"reference/generated/{member}.html#$")
