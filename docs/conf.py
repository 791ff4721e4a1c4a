"""Sphinx configuration of the skbackprop documentation.

Build the HTML documentation, warning-free, from the repository root with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

after ``python -m pip install -e ".[docs]"``. The example gallery is generated
from ``examples/`` by sphinx-gallery, which runs every ``plot_*.py`` script.
"""

import os
import re
import sys
import warnings
from pathlib import Path

from docutils import nodes
from numpydoc.xref import DEFAULT_LINKS
from sphinx.transforms import SphinxTransform

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# document the working tree, even when skbackprop is not installed
sys.path.insert(0, str(ROOT))
# docs/_inventories.py
sys.path.insert(0, str(DOCS))
# the gallery examples draw with matplotlib: never open a window
os.environ.setdefault("MPLBACKEND", "Agg")

import _inventories  # noqa: E402

import skbackprop  # noqa: E402

project = "skbackprop"
author = "skbackprop developers"
copyright = "skbackprop developers"
version = release = skbackprop.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    # sphinx-gallery writes these next to the generated pages; they are not
    # documents of their own
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.codeobj.json",
]

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autodoc_default_options = {"inherited-members": False}
autodoc_typehints = "none"
# the class template lists the methods itself; numpydoc's own member tables
# would duplicate them and point at pages autosummary does not generate
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# The types of parameters, attributes and return values link too ("ndarray of
# shape (n_samples,)" to numpy.ndarray), but only the words numpydoc knows as
# NumPy names (ndarray, array, RandomState, ...) and those listed here; all
# other words stay plain text.
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
numpydoc_xref_aliases = {
    # numpydoc's aliases of Python's own types (int, dict, callable, ...)
    # point at a "python" inventory that this build does not have
    **{word: word for word, link in DEFAULT_LINKS.items() if "python:" in link},
    "array-like": ":term:`array-like <sklearn:array-like>`",
}


_SHAPE = re.compile(r"of shape \([^)]*\)")
_BARE_TRAILING_UNDERSCORE = re.compile(r"(?<![`\\\w])([A-Za-z]\w*?)_(?![`\w])")


def _escape_shape_attributes(app, what, name, obj, options, lines):
    """Escape fitted-attribute names in ``of shape (...)`` type specifications.

    In reStructuredText ``n_features_in_`` is a reference to a target named
    ``n_features_in``; a docstring saying ``ndarray of shape (n_outputs_,)``
    would make docutils report an unknown target. The numpydoc convention is
    to quote them (``(`n_outputs_`,)``); until every docstring does, the
    bare names are escaped here. Quoted names are left alone.
    """
    for i, line in enumerate(lines):
        if "of shape (" in line:
            lines[i] = _SHAPE.sub(
                lambda m: _BARE_TRAILING_UNDERSCORE.sub(r"\1\\_", m.group(0)), line
            )


class _StraightQuotesInTypes(SphinxTransform):
    """Keep the quotes of numpydoc type specifications straight.

    ``{'lbfgs', 'sgd', 'adam'}, default='adam'`` is Python, not prose; and
    the parameter links of scikit-learn's HTML repr (``#:~:text=solver,-...``,
    a text fragment of the type as the docstring writes it) only find it on
    the page if docutils' smart quotes leave it alone.
    """

    default_priority = 700  # before SphinxSmartQuotes (750)

    def apply(self, **kwargs):
        for node in self.document.findall(nodes.classifier):
            node["support_smartquotes"] = False


def _offline_inventories(app, config):
    """Write the scikit-learn, NumPy and SciPy inventories into the build
    directory and point intersphinx at them (see docs/_inventories.py)."""
    mapping = _inventories.write_inventories(Path(app.doctreedir) / "inventories")
    # local files only: intersphinx never goes to the network
    assert all(Path(path).is_file() for _, path in mapping.values())
    config.intersphinx_mapping = mapping


def setup(app):
    # before intersphinx checks the mapping (config-inited, priority 800)
    app.connect("config-inited", _offline_inventories, priority=700)
    # after numpydoc (priority 500) has turned the sections into reST
    app.connect("autodoc-process-docstring", _escape_shape_attributes, priority=900)
    app.add_transform(_StraightQuotesInTypes)


# -- intersphinx -------------------------------------------------------------
# Links to scikit-learn, NumPy and SciPy. The inventories are made from the
# installed packages at the start of the build, without any download: see
# _offline_inventories above and docs/_inventories.py.
# A reference to a name they do not have stays plain text (as any unresolved
# Python reference); sphinx-gallery links the examples' code through them too.
intersphinx_mapping = {}

# -- MyST (docs/mathematics.md) ----------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "deflist", "colon_fence"]
myst_heading_anchors = 3

# -- sphinx-gallery ----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # run the plot_*.py scripts; others (distributed_grid_search.py, which
    # starts a Dask cluster) are only shown
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "plot_gallery": "True",
    "download_all_examples": False,
    # no docs/sg_execution_times.rst (a generated file in the source tree)
    "write_computation_times": False,
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    # a broken example fails the build instead of showing a traceback
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
}

# The examples silence their own expected warnings; these come from running
# them inside the Sphinx process.
warnings.filterwarnings(
    "ignore",
    message="Matplotlib is currently using agg, which is a non-GUI backend",
    category=UserWarning,
)
warnings.filterwarnings(
    "ignore", message="FigureCanvasAgg is non-interactive", category=UserWarning
)

# -- HTML output -------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skbackprop {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": []}
html_static_path = []
html_show_sourcelink = False
