"""The ``skbackprop compare`` command: skbackprop versus scikit-learn's MLPs.

``skbackprop compare`` (also ``python -m skbackprop compare``, or just
``python -m skbackprop``) puts skbackprop's estimator and scikit-learn's
``MLPRegressor``/``MLPClassifier`` into the same
:func:`~skbackprop.pipeline.make_scaled_pipeline` pipeline (categorical CSV
columns one-hot encoded, regression targets min-max scaled), tunes both with
the same :class:`~sklearn.model_selection.GridSearchCV` grid (learning rate x
hidden layer sizes) on a training split, scores the best model of each on the
held-out test split and prints one side-by-side table.

Each step (reading the data, checking it, searching, formatting) is its own
function; :func:`main` only wires them to the command line. Expected problems
with the input raise :class:`CompareError`, which :func:`main` reports as one
``skbackprop: error: ...`` line on stderr with exit status 2. Ctrl-C (SIGINT)
stops the whole run with exit status 130: :func:`main` turns it into
:class:`RunInterrupted`, which the estimators do not catch (they turn a
``KeyboardInterrupt`` into a warning and keep the weights so far, which is
right for an interactive ``fit`` but would let the search go on).
"""

import argparse
import contextlib
import csv
import importlib.util
import io
import json
import math
import os
import re
import signal
import stat
import sys
import textwrap
import threading
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from joblib import effective_n_jobs
from sklearn.compose import ColumnTransformer
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_linnerud,
    load_wine,
    make_friedman1,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, ParameterGrid, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder

PROG = "skbackprop"

DEFAULT_HIDDEN = "16,64"
DEFAULT_LR = "1e-3,1e-2"
DEFAULT_CV = 3
DEFAULT_MAX_ITER = 300
DEFAULT_TEST_SIZE = 0.25
# numpy's legacy random state (used by scikit-learn) takes seeds below 2**32
MAX_SEED = 2**32 - 1

# name -> (task, loader(seed) -> (X, y), where the data comes from)
DATASETS = {
    "diabetes": (
        "regression",
        lambda seed: load_diabetes(return_X_y=True),
        "sklearn.datasets.load_diabetes",
    ),
    "digits": (
        "classification",
        lambda seed: load_digits(return_X_y=True),
        "sklearn.datasets.load_digits",
    ),
    "breast_cancer": (
        "classification",
        lambda seed: load_breast_cancer(return_X_y=True),
        "sklearn.datasets.load_breast_cancer",
    ),
    "wine": (
        "classification",
        lambda seed: load_wine(return_X_y=True),
        "sklearn.datasets.load_wine",
    ),
    "iris": (
        "classification",
        lambda seed: load_iris(return_X_y=True),
        "sklearn.datasets.load_iris",
    ),
    "linnerud": (
        "regression",
        lambda seed: load_linnerud(return_X_y=True),
        "sklearn.datasets.load_linnerud",
    ),
    # the seed of friedman1 is fixed: --seed changes the split and the models,
    # never the data set itself
    "friedman1": (
        "regression",
        lambda seed: make_friedman1(n_samples=500, noise=1.0, random_state=0),
        "sklearn.datasets.make_friedman1(n_samples=500, noise=1.0, random_state=0)",
    ),
}
METRICS = {"regression": "r2", "classification": "accuracy"}
# a numeric target is taken as class labels (``--task auto``) when it only holds
# integers, at most this many distinct ones, each appearing twice on average
MAX_AUTO_CLASSES = 20
# missing-value markers, compared in lower case: pandas' defaults and "?"
MISSING = {
    "",
    "#n/a",
    "#n/a n/a",
    "#na",
    "-1.#ind",
    "-1.#qnan",
    "-nan",
    "+nan",
    "1.#ind",
    "1.#qnan",
    "<na>",
    "n/a",
    "na",
    "nan",
    "null",
    "none",
    "?",
}
#: default of ``--max-file-size``: larger CSV files (in MB, 10**6 bytes) are
#: refused before anything is parsed
DEFAULT_MAX_FILE_MB = 256
#: the delimiters ``--delimiter auto`` chooses from, preferred in this order
DELIMITERS = (",", ";", "\t", "|")
# ``--delimiter auto`` looks at this many leading characters / rows
SNIFF_CHARS = 1 << 16
SNIFF_ROWS = 50
_INTEGER = re.compile(r"[+-]?[0-9]+")
# a number with "." or "," between digit groups: 0,1257 1.234,5 1,234,567
_SEPARATED_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)+(?:[eE][+-]?[0-9]+)?")
# the estimators' warning when Ctrl-C ended a fit early (ours and sklearn's)
INTERRUPT_WARNING = "Training interrupted by user"

# row labels of the table, in order (the parameter rows come first)
TABLE_ROWS = (
    "CV {metric} (mean ± std)",
    "test {metric}",
    "fit time (s)",
    "epochs",
    "converged",
    "search time (s)",
    "search time ratio",
)


class CompareError(Exception):
    """A problem with the user's input, reported as one line (exit status 2)."""


class RunInterrupted(BaseException):
    """Ctrl-C during a run (raised by the SIGINT handler of :func:`main`).

    Not a :class:`KeyboardInterrupt`, which the estimators catch to keep the
    weights trained so far, and not an :class:`Exception`, which
    :class:`~sklearn.model_selection.GridSearchCV` could record as a failed
    fit: it passes through both and stops the whole run.
    """


@dataclass
class Dataset:
    """A data set ready for the comparison.

    ``X`` is a float array, or an object array when some feature columns
    (their indices are ``categorical``) hold text.
    """

    name: str
    source: str
    task: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list = field(default_factory=list)
    categorical: list = field(default_factory=list)

    @property
    def n_outputs(self):
        return 1 if self.y.ndim == 1 else self.y.shape[1]

    @property
    def numeric(self):
        """Indices of the numeric feature columns."""
        return [j for j in range(self.X.shape[1]) if j not in self.categorical]

    @property
    def n_one_hot_columns(self):
        """Number of columns one-hot encoding the categorical features makes."""
        return sum(len(set(self.X[:, j])) for j in self.categorical)


# ----------------------------------------------------------------- estimators


def estimator_classes(task):
    """Return ``(ours, reference)`` estimator classes for ``task``."""
    from skbackprop import BackpropClassifier, BackpropRegressor

    if task == "classification":
        return BackpropClassifier, MLPClassifier
    return BackpropRegressor, MLPRegressor


def model_params(seed=0, max_iter=DEFAULT_MAX_ITER):
    """Fixed hyperparameters shared by both models (the grid sets the rest)."""
    return {
        "solver": "adam",
        "max_iter": max_iter,
        "random_state": seed,
        "early_stopping": False,
    }


def param_grid(hidden, learning_rates, prefix=""):
    """Return the pipeline grid for the given hidden sizes and learning rates.

    ``prefix`` goes in front of the ``model__...`` names, e.g. ``"regressor__"``
    for the pipeline inside a ``TransformedTargetRegressor``.
    """
    return {
        f"{prefix}model__hidden_layer_sizes": list(hidden),
        f"{prefix}model__learning_rate_init": list(learning_rates),
    }


def feature_preprocessor(data):
    """Return the ``"scale"`` step for ``data``.

    A :class:`~sklearn.preprocessing.MinMaxScaler` when every feature is
    numeric; otherwise a :class:`~sklearn.compose.ColumnTransformer` that
    min-max scales the numeric columns and one-hot encodes the categorical
    ones (categories unseen in a training fold encode as all zeros).
    """
    if not data.categorical:
        return MinMaxScaler()
    transformers = []
    if data.numeric:
        transformers.append(("numeric", MinMaxScaler(), data.numeric))
    encoder = OneHotEncoder(handle_unknown="ignore")
    transformers.append(("categorical", encoder, list(data.categorical)))
    return ColumnTransformer(transformers)


def build_pipeline(estimator, data, scale_target=False):
    """Put ``estimator`` into the comparison's pipeline for ``data``.

    Parameters
    ----------
    estimator : estimator object
        The MLP (used as is, not cloned).

    data : Dataset
        Decides the feature preprocessing (:func:`feature_preprocessor`).

    scale_target : bool, default=False
        Whether to min-max scale the (regression) target for training.

    Returns
    -------
    pipeline : Pipeline or TransformedTargetRegressor
        :func:`~skbackprop.pipeline.make_scaled_pipeline`'s pipeline, steps
        ``"scale"`` and ``"model"``.

    prefix : str
        What the grid's parameter names need in front of ``model__``:
        ``"regressor__"`` when the target is scaled, ``""`` otherwise.
    """
    from skbackprop.pipeline import make_scaled_pipeline

    pipeline = make_scaled_pipeline(estimator, scale_target=scale_target)
    prefix = "regressor__" if scale_target else ""
    if data.categorical:
        pipeline.set_params(**{f"{prefix}scale": feature_preprocessor(data)})
    return pipeline, prefix


def _final_model(estimator):
    """The MLP inside a comparison pipeline (fitted or not)."""
    if hasattr(estimator, "regressor_"):  # a fitted TransformedTargetRegressor
        estimator = estimator.regressor_
    elif hasattr(estimator, "regressor"):
        estimator = estimator.regressor
    return estimator.named_steps["model"]


# --------------------------------------------------------------- reading data


def load_dataset(name):
    """Load the built-in data set ``name`` (a key of :data:`DATASETS`)."""
    if name not in DATASETS:
        raise CompareError(
            f"unknown dataset {name!r}; choose from {', '.join(sorted(DATASETS))}"
        )
    task, loader, source = DATASETS[name]
    X, y = loader(0)
    return Dataset(name=name, source=source, task=task, X=X, y=y)


def _is_missing(cell):
    return cell.lower() in MISSING


def _columns_hint(header, limit=12):
    shown = ", ".join(repr(h) for h in header[:limit])
    return shown + (f", ... ({len(header)} in all)" if len(header) > limit else "")


def _parse_number(cell, decimal="."):
    """Return the number written in ``cell``, or None if it is not one.

    With ``decimal=","`` the comma is the decimal separator and a ``.`` makes
    the cell text (it could be a thousands separator). Python's extras
    (``1_000``) are not numbers here.
    """
    if "_" in cell or (decimal == "," and "." in cell):
        return None
    try:
        return float(cell.replace(",", ".") if decimal == "," else cell)
    except ValueError:
        return None


def _other_separator(cell, decimal):
    """Whether ``cell`` is a number written with the other decimal separator."""
    other = "," if decimal == "." else "."
    return other in cell and _SEPARATED_NUMBER.fullmatch(cell) is not None


def _separator_error(path, line, column, cell, decimal):
    if decimal == ".":
        detail = "a decimal comma ({cell!r}); pass --decimal ',' to read them"
    else:
        detail = (
            "a '.' ({cell!r}), which --decimal ',' does not read (use "
            "--decimal '.' if it is the decimal separator)"
        )
    return CompareError(
        f"{path}, line {line}: column {column!r} holds numbers written with "
        + detail.format(cell=cell)
        + "; thousands separators are not supported"
    )


def _file_kind(mode):
    for test, kind in (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def _open_regular_file(path):
    """Open ``path`` for reading bytes; refuse anything but a regular file.

    ``O_NONBLOCK`` keeps opening a FIFO that has no writer from blocking
    forever (it changes nothing for a regular file); the type is checked on
    the open file, so it cannot change between the check and the read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise CompareError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise CompareError(f"cannot read {path}: it is a directory") from None
    except OSError as exc:
        raise CompareError(f"cannot read {path}: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise CompareError(f"cannot read {path}: it is a directory")
        raise CompareError(
            f"cannot read {path}: it is {_file_kind(mode)}, not a regular file "
            "(save the data to a file first)"
        )
    return os.fdopen(fd, "rb")


def _read_text(path, max_bytes):
    """Return the text of the CSV file ``path``, at most ``max_bytes`` long."""

    def too_large():
        return CompareError(
            f"{path} is larger than {max_bytes / 1e6:g} MB, the limit of "
            "--max-file-size (raise it to read this file)"
        )

    with _open_regular_file(path) as handle:
        if os.fstat(handle.fileno()).st_size > max_bytes:
            raise too_large()
        try:
            raw = handle.read(max_bytes + 1)  # the size may have been wrong
        except OSError as exc:
            raise CompareError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise too_large()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise CompareError(
            f"{path} is not a UTF-8 text (CSV) file (line {line}: byte "
            f"{raw[exc.start]:#04x})"
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise CompareError(f"{path} is not a text (CSV) file (line {line}: NUL byte)")
    return text


def sniff_delimiter(text, decimal="."):
    """Choose the field delimiter of a CSV text (``--delimiter auto``).

    Parameters
    ----------
    text : str
        The file's text (only its first :data:`SNIFF_ROWS` rows are used).

    decimal : {".", ","}, default="."
        The decimal separator, which cannot be the delimiter.

    Returns
    -------
    delimiter : str
        The candidate of :data:`DELIMITERS` that splits the header row into
        the most fields (at least two) and every sampled row into as many;
        failing that, the one giving the header the most fields; ``","``
        (``";"`` with a decimal comma) if none splits it.
    """
    head = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in head:
        head = head[: head.rindex("\n")]  # no partial last row
    candidates = [d for d in DELIMITERS if d != decimal]
    best, best_score = candidates[0], (False, 1)
    for delimiter in candidates:
        reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
        try:
            rows = [row for row in reader if any(cell.strip() for cell in row)]
        except csv.Error:
            continue
        widths = [len(row) for row in rows[:SNIFF_ROWS]]
        if not widths:
            continue
        score = (all(w == widths[0] for w in widths), widths[0])
        if widths[0] >= 2 and score > best_score:
            best, best_score = delimiter, score
    return best


def _read_rows(text, delimiter, path):
    """Return ``[(line_number, cells), ...]`` of the non-blank rows of ``text``."""
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise CompareError(f"{path}, line {reader.line_num}: {exc}") from None
    return rows


def _check_header(rows, path, target, delimiter, decimal):
    """Return the header row, after checking it and that data rows follow."""
    if not rows:
        raise CompareError(f"{path} is empty")
    _, header = rows[0]
    if target not in header:
        hint = ""
        if len(header) == 1 and decimal == "," and "," in header[0]:
            hint = " (with --decimal ',' the delimiter cannot be ',')"
        elif len(header) == 1:
            hint = f" (is {delimiter!r} the right --delimiter?)"
        raise CompareError(
            f"{path} has no column {target!r}; its columns are "
            f"{_columns_hint(header)}{hint}"
        )
    if header.count(target) > 1:
        raise CompareError(f"{path} has several columns named {target!r}")
    if len(rows) < 2:
        raise CompareError(f"{path} has a header row but no data rows")
    if len(header) < 2:
        raise CompareError(f"{path} has no feature column besides {target!r}")
    return header


def _columns(data, width, path):
    """Return the data rows as columns (tuples of cells), checking their width."""
    for line, row in data:
        if len(row) != width:
            raise CompareError(
                f"{path}, line {line}: expected {width} fields like the "
                f"header, found {len(row)}"
            )
    return list(zip(*(row for _, row in data)))


def _feature_column(cells, lines, column, decimal, path):
    """Parse one feature column; return ``(values, is_categorical)``.

    A column is numeric when all its values are numbers, categorical when
    none is. Missing values, infinities, numbers with the other decimal
    separator and a mix of numbers and text raise :class:`CompareError`.
    """
    for cell, line in zip(cells, lines):
        if _is_missing(cell):
            raise CompareError(
                f"{path}, line {line}: missing value ({cell!r}) in column "
                f"{column!r}; drop or fill in incomplete rows first"
            )
    numbers = [_parse_number(cell, decimal) for cell in cells]
    text = [k for k, number in enumerate(numbers) if number is None]
    if not text:
        values = np.array(numbers, dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise CompareError(
                f"{path}, line {lines[bad[0]]}: infinite value {cells[bad[0]]!r} "
                f"in column {column!r}"
            )
        return values, False
    for k in text:
        if _other_separator(cells[k], decimal):
            raise _separator_error(path, lines[k], column, cells[k], decimal)
    if len(text) < len(cells):
        k = text[0]
        raise CompareError(
            f"{path}, line {lines[k]}: non-numeric value {cells[k]!r} in feature "
            f"column {column!r}, whose other values are numbers; fix or remove "
            "it (a categorical column holds text only)"
        )
    return np.array(cells, dtype=object), True


def infer_task(values, decimal="."):
    """Guess ``"regression"`` or ``"classification"`` from target cells.

    Parameters
    ----------
    values : list of str
        The target column, without missing values.

    decimal : {".", ","}, default="."
        The decimal separator of the numbers.

    Returns
    -------
    task : {"regression", "classification"}
        ``"classification"`` if any value is non-numeric, or if all values
        are integers with at most ``MAX_AUTO_CLASSES`` (20) distinct values
        and fewer distinct values than half the number of rows; otherwise
        ``"regression"``. Integers are compared exactly, however large.
    """
    numbers = [_parse_number(v, decimal) for v in values]
    if any(number is None for number in numbers):
        return "classification"
    if not all(math.isfinite(n) and n.is_integer() for n in numbers):
        return "regression"
    distinct = {int(v) if _INTEGER.fullmatch(v) else n for v, n in zip(values, numbers)}
    if len(distinct) <= MAX_AUTO_CLASSES and len(distinct) <= len(numbers) / 2:
        return "classification"
    return "regression"


def class_labels(values):
    """Return the class labels written in the target cells, exactly.

    Parameters
    ----------
    values : list of str
        The target column.

    Returns
    -------
    labels : ndarray
        int64 labels if every cell is an integer that fits; otherwise the
        cells' text (integers beyond int64 in canonical decimal form), so no
        two different labels become one through a float.
    """
    if all(_INTEGER.fullmatch(v) for v in values):
        integers = [int(v) for v in values]
        bounds = np.iinfo(np.int64)
        if bounds.min <= min(integers) and max(integers) <= bounds.max:
            return np.array(integers, dtype=np.int64)
        return np.array([str(i) for i in integers], dtype=object)
    return np.array(values, dtype=object)


def _parse_target(cells, lines, column, task, decimal, path):
    """Return ``(task, y)`` from the target cells (``task`` may be ``"auto"``)."""
    for cell, line in zip(cells, lines):
        if _is_missing(cell):
            raise CompareError(
                f"{path}, line {line}: missing target value ({cell!r}) in "
                f"column {column!r}"
            )
    numbers = [_parse_number(cell, decimal) for cell in cells]
    if task != "classification":
        for cell, line, number in zip(cells, lines, numbers):
            if number is None and _other_separator(cell, decimal):
                raise _separator_error(path, line, column, cell, decimal)
    if task == "auto":
        task = infer_task(cells, decimal)
    if task == "classification":
        return task, class_labels(cells)
    for cell, line, number in zip(cells, lines, numbers):
        if number is None:
            raise CompareError(
                f"{path}, line {line}: non-numeric target value {cell!r} in "
                f"column {column!r}; a regression needs a numeric target "
                "(use --task classification for class labels)"
            )
        if not math.isfinite(number):
            raise CompareError(
                f"{path}, line {line}: non-finite target value in column {column!r}"
            )
    return task, np.array(numbers)


def _parse_features(names, columns, lines, decimal, path):
    """Return ``(X, categorical)`` from the feature columns' cells.

    ``X`` is a float array, or an object array when some columns (their
    indices are ``categorical``) hold text.
    """
    parsed = [
        _feature_column(cells, lines, name, decimal, path)
        for name, cells in zip(names, columns)
    ]
    categorical = [j for j, (_, is_text) in enumerate(parsed) if is_text]
    if not categorical:
        return np.column_stack([values for values, _ in parsed]), categorical
    X = np.empty((len(lines), len(parsed)), dtype=object)
    for j, (values, _) in enumerate(parsed):
        X[:, j] = values
    return X, categorical


def read_csv(
    path,
    target,
    task="auto",
    delimiter="auto",
    decimal=".",
    max_bytes=DEFAULT_MAX_FILE_MB * 10**6,
):
    """Read a CSV file with a header row into a :class:`Dataset`.

    Every column other than ``target`` is a feature: numeric (all values are
    numbers) or categorical (all values are text), without missing values.
    Only the standard library's :mod:`csv` module and numpy are used.

    Parameters
    ----------
    path : str
        The CSV file (a regular file, UTF-8). Its first non-blank row names
        the columns.

    target : str
        Name of the target column.

    task : {"auto", "regression", "classification"}, default="auto"
        ``"auto"`` decides with :func:`infer_task`.

    delimiter : str, default="auto"
        Field delimiter; ``"auto"`` chooses with :func:`sniff_delimiter`.

    decimal : {".", ","}, default="."
        Decimal separator of the numbers.

    max_bytes : int, default=256 * 10**6
        Larger files are refused (:data:`DEFAULT_MAX_FILE_MB`).

    Returns
    -------
    dataset : Dataset

    Raises
    ------
    CompareError
        If the file is missing, not a regular file, too large, empty or
        malformed, has no column ``target``, or holds missing or infinite
        feature values, numbers with the other decimal separator or columns
        mixing numbers and text.
    """
    if decimal == delimiter:
        raise CompareError(f"--decimal and --delimiter cannot both be {decimal!r}")
    text = _read_text(path, max_bytes)
    if delimiter == "auto":
        delimiter = sniff_delimiter(text, decimal)
    rows = _read_rows(text, delimiter, path)
    del text
    header = _check_header(rows, path, target, delimiter, decimal)
    columns = _columns(rows[1:], len(header), path)
    lines = [line for line, _ in rows[1:]]
    del rows
    t = header.index(target)
    names = [header[j] for j in range(len(header)) if j != t]
    X, categorical = _parse_features(
        names, [c for j, c in enumerate(columns) if j != t], lines, decimal, path
    )
    task, y = _parse_target(columns[t], lines, target, task, decimal, path)
    source = f"{path}, target column {target!r}"
    if delimiter != ",":
        source += f", delimiter {delimiter!r}"
    if decimal != ".":
        source += f", decimal {decimal!r}"
    return Dataset(
        name=os.path.basename(path),
        source=source,
        task=task,
        X=X,
        y=y,
        feature_names=names,
        categorical=categorical,
    )


# ------------------------------------------------------------- checking data


def check_dataset(data, cv, test_size):
    """Raise :class:`CompareError` if ``data`` cannot be split and searched."""
    n = data.X.shape[0]
    if not np.all(np.isfinite(data.X[:, data.numeric].astype(float))):
        raise CompareError(f"{data.name}: the features contain NaN or infinity")
    if data.task == "classification":
        classes, counts = np.unique(data.y.astype(str), return_counts=True)
        if len(classes) < 2:
            raise CompareError(
                f"{data.name}: the target has a single class ({str(classes[0])!r}); "
                "classification needs at least two"
            )
        if counts.min() < 2:
            rare = str(classes[counts.argmin()])
            raise CompareError(
                f"{data.name}: class {rare!r} has a single row; every class needs "
                "at least two (use --task regression for a continuous target)"
            )
    elif not np.all(np.isfinite(data.y)):
        raise CompareError(f"{data.name}: the target contains NaN or infinity")
    elif np.all(data.y == data.y.flat[0]):
        raise CompareError(
            f"{data.name}: the target is constant (every value is "
            f"{_format_value(float(data.y.flat[0]))}); a regression needs a target "
            "that varies (R² is undefined otherwise)"
        )
    n_test = math.ceil(test_size * n)
    n_train = n - n_test
    # R² needs at least two rows in every validation fold; accuracy needs one
    per_fold = 2 if data.task == "regression" else 1
    if n_train < max(per_fold * cv, 2) or n_test < 2:
        raise CompareError(
            f"{data.name} has {n} rows: too few for a {cv}-fold cross-validation "
            f"on {1 - test_size:.0%} of them plus a test split of {test_size:.0%} "
            "(lower --cv or --test-size, or use more data)"
        )
    if data.task == "classification" and min(n_train, n_test) < len(classes):
        raise CompareError(
            f"{data.name} has {n} rows: too few for a stratified split into "
            f"{n_train} training and {n_test} test rows, each of which needs "
            f"every one of the {len(classes)} classes (raise --test-size, or "
            "use more data)"
        )


def split_dataset(data, cv, test_size, seed):
    """Return ``X_train, X_test, y_train, y_test`` (stratified for classes)."""
    stratify = data.y if data.task == "classification" else None
    X_train, X_test, y_train, y_test = train_test_split(
        data.X, data.y, test_size=test_size, random_state=seed, stratify=stratify
    )
    if data.task == "classification":
        largest = np.unique(y_train.astype(str), return_counts=True)[1].max()
        if cv > largest:
            raise CompareError(
                f"{data.name}: a stratified {cv}-fold cross-validation needs a "
                f"class with at least {cv} training rows, the largest has "
                f"{largest} (lower --cv or --test-size, or use more data)"
            )
    return X_train, X_test, y_train, y_test


# ------------------------------------------------------------------- progress


class _LineProgress:
    """Progress on stderr: one line per grid candidate (nothing if disabled).

    The interface of every progress display of :func:`run_compare`: ``line``
    prints a message, ``begin_search`` announces a model's grid search,
    ``candidate_done`` counts a candidate whose folds are done and
    ``attach_epoch_bar`` gives an estimator callbacks that report its epochs
    (here: none). Used as a context manager around the run.
    """

    def __init__(self, enabled=True):
        self.enabled = enabled
        #: names of the models whose fits ran with per-epoch callbacks
        self.timed_with_callbacks = []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def line(self, text):
        if self.enabled:
            print(f"{PROG}: {text}", file=sys.stderr, flush=True)

    def begin_search(self, name, n_candidates, max_iter, epochs):
        pass

    def candidate_done(self):
        pass

    def attach_epoch_bar(self, estimator, name):
        return False


class _EpochBar:
    """scikit-learn fit callback advancing a rich progress task every epoch.

    It follows the :class:`sklearn.callback.FitCallback` protocol: the fit's
    root task (``max_subtasks`` epochs) resets the task, the end of every
    leaf task (an epoch) advances it. A copy made for another process (a
    parallel search pickles the estimator) does nothing: the bar lives here.
    """

    def __init__(self, progress=None, task=None):
        self.progress, self.task = progress, task

    def __reduce__(self):
        return (_EpochBar, ())

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        if self.progress is not None and context.max_subtasks:
            self.progress.reset(self.task, total=context.max_subtasks)

    def on_fit_task_end(self, estimator, context, **kwargs):
        if self.progress is not None and context.max_subtasks == 0:
            self.progress.advance(self.task)
        return False  # never stop training


class _BarProgress(_LineProgress):
    """Progress bars on stderr (rich): grid candidates and the current fit's epochs.

    Messages are printed above the bars, which disappear at the end.
    """

    def __init__(self, console=None):
        super().__init__()
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True) if console is None else console,
            transient=True,
            redirect_stdout=False,
        )
        self._candidates = self.progress.add_task("", visible=False)
        self._epochs = self.progress.add_task("", visible=False)

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc_info):
        self.progress.stop()
        return False

    def line(self, text):
        self.progress.console.print(
            f"{PROG}: {text}",
            markup=False,
            highlight=False,
            emoji=False,
            soft_wrap=True,
        )

    def begin_search(self, name, n_candidates, max_iter, epochs):
        self.progress.reset(
            self._candidates,
            total=n_candidates,
            description=f"{name}: grid candidates",
            visible=True,
        )
        self.progress.reset(
            self._epochs,
            total=max_iter,
            description=f"{name}: epochs of the current fit",
            visible=epochs,
        )

    def candidate_done(self):
        self.progress.advance(self._candidates)

    def attach_epoch_bar(self, estimator, name):
        if not hasattr(estimator, "set_callbacks"):  # scikit-learn's MLPs
            return False
        estimator.set_callbacks(_EpochBar(self.progress, self._epochs))
        self.timed_with_callbacks.append(name)
        return True


def _use_progress_bar(stream=None):
    """Whether progress bars can be drawn: a terminal and rich installed."""
    stream = sys.stderr if stream is None else stream
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False
    return bool(terminal) and importlib.util.find_spec("rich") is not None


def make_progress(quiet=False, stream=None):
    """Return the progress display of a run.

    Parameters
    ----------
    quiet : bool, default=False
        No progress at all.

    stream : file object, default=None
        Where progress goes (``None``: ``sys.stderr``); only asked whether it
        is a terminal.

    Returns
    -------
    progress : _LineProgress
        Progress bars (rich, per-epoch for the estimators that support
        scikit-learn's callbacks) when ``stream`` is a terminal and rich is
        installed, otherwise one line per grid candidate.
    """
    if quiet:
        return _LineProgress(enabled=False)
    if _use_progress_bar(stream):
        try:
            return _BarProgress()
        except ImportError:  # a broken rich installation
            pass
    return _LineProgress()


@contextlib.contextmanager
def abort_on_interrupt():
    """Make Ctrl-C (SIGINT) raise :class:`RunInterrupted` inside the block.

    Only in the main thread (where Python runs signal handlers), and not when
    SIGINT is ignored (a background job); the previous handler is restored.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    ):
        yield
        return

    def interrupt(signum, frame):
        raise RunInterrupted

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)


# ------------------------------------------------------------------ searching


class _ProgressGridSearchCV(GridSearchCV):
    """GridSearchCV that reports every candidate as soon as its folds are done.

    Candidates are evaluated in chunks just large enough to keep ``n_jobs``
    workers busy (``n_jobs // cv`` candidates, at least one), so progress is
    reported without giving up the parallelism over folds. ``_report`` (set
    after construction) is called as ``_report(index, n_candidates, params,
    mean, std, seconds)``.
    """

    _report = None
    _chunk = 1

    def _run_search(self, evaluate_candidates):
        candidates = list(ParameterGrid(self.param_grid))
        if self._report is None:
            evaluate_candidates(candidates)
            return
        done = 0
        while done < len(candidates):
            chunk = candidates[done : done + self._chunk]
            start = time.perf_counter()
            results = evaluate_candidates(chunk)
            seconds = (time.perf_counter() - start) / len(chunk)
            for k in range(done, done + len(chunk)):
                self._report(
                    k + 1,
                    len(candidates),
                    results["params"][k],
                    results["mean_test_score"][k],
                    results["std_test_score"][k],
                    seconds,
                )
            done += len(chunk)


def _short(params):
    """Drop the ``model__`` (and ``regressor__``) prefix of parameter names."""
    return {key.split("__")[-1]: value for key, value in params.items()}


def _plural(count, noun):
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _format_value(value):
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _format_params(params):
    return ", ".join(f"{k}={_format_value(v)}" for k, v in _short(params).items())


def _warn_line(message):
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def _capped_n_jobs(n_jobs, n_fits):
    """Never start more workers than there are fits to run."""
    return None if n_jobs is None else min(effective_n_jobs(n_jobs), n_fits)


def _as_progress(progress):
    if isinstance(progress, _LineProgress):
        return progress
    return _LineProgress(enabled=bool(progress))


def _fit_search(search, name, X_train, y_train, X_test, y_test):
    """Fit ``search`` and score it on the test split.

    Returns ``(search_time, test_score, warnings)``. Raises
    :class:`KeyboardInterrupt` if a fit was interrupted (an estimator turned
    a Ctrl-C that reached it into its "Training interrupted by user" warning
    and returned) and :class:`CompareError` if a fit failed with a
    ``ValueError``.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        warnings.simplefilter("ignore", ConvergenceWarning)
        # an interrupted fit must stop the run, not feed a half-trained model
        # to the search (scikit-learn passes the filter on to its workers)
        warnings.filterwarnings("error", message=INTERRUPT_WARNING)
        start = time.perf_counter()
        try:
            search.fit(X_train, y_train)
        except UserWarning as exc:
            if str(exc).startswith(INTERRUPT_WARNING):
                raise KeyboardInterrupt from None
            raise
        except ValueError as exc:  # e.g. training diverged (error_score="raise")
            raise CompareError(f"{name}: {exc}") from exc
        search_time = time.perf_counter() - start
        test_score = search.score(X_test, y_test)
    if any(str(w.message).startswith(INTERRUPT_WARNING) for w in caught):
        raise KeyboardInterrupt
    return search_time, test_score, caught


def search_one(
    pipeline,
    grid,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    name=None,
    cv=DEFAULT_CV,
    n_jobs=None,
    max_iter=DEFAULT_MAX_ITER,
    metric="score",
    progress=True,
):
    """Grid-search one pipeline; return its result row and best model.

    Parameters
    ----------
    pipeline : estimator
        The pipeline of :func:`build_pipeline`.

    grid : dict
        Its parameter grid (:func:`param_grid`, with the pipeline's prefix).

    X_train, y_train, X_test, y_test : array-like
        The split of the data.

    name : str, default=None
        Name of the model in progress lines and the result (``None``: the
        class name of the MLP).

    cv : int, default=3
        Number of folds.

    n_jobs : int, default=None
        Parallel fits of the search.

    max_iter : int, default=300
        The models' ``max_iter`` (a best model that used all of them did not
        converge).

    metric : str, default="score"
        Name of the score in progress lines.

    progress : bool or progress display, default=True
        ``True``: one line per candidate on stderr; or :func:`make_progress`'s
        display.

    Returns
    -------
    result : dict
        ``name``, ``best_params``, ``cv_mean``, ``cv_std``, ``test_score``,
        ``fit_time`` (refit of the best candidate on the whole training
        split), ``search_time``, ``epochs``, ``converged`` and
        ``candidates`` (one dict per grid point).
    best : Pipeline or TransformedTargetRegressor
        The refitted best pipeline.
    """
    progress = _as_progress(progress)
    name = name or type(_final_model(pipeline)).__name__
    n_jobs = _capped_n_jobs(n_jobs, len(ParameterGrid(grid)) * cv)
    search = _ProgressGridSearchCV(
        pipeline, grid, cv=cv, n_jobs=n_jobs, error_score="raise"
    )
    if progress.enabled:
        search._report = _candidate_reporter(progress, name, metric)
        search._chunk = max(1, effective_n_jobs(n_jobs) // cv)
    search_time, test_score, caught = _fit_search(
        search, name, X_train, y_train, X_test, y_test
    )
    _print_warnings(caught, name)
    row = _result_row(name, search, search_time, test_score, max_iter)
    return row, search.best_estimator_


def _candidate_reporter(progress, name, metric):
    """The ``_report`` of :class:`_ProgressGridSearchCV`: one line a candidate."""

    def report(i, n, params, mean, std, seconds):
        progress.candidate_done()
        progress.line(
            f"{name} [{i}/{n}] {_format_params(params)}: "
            f"CV {metric} {mean:.4f} ± {std:.4f} ({seconds:.1f} s)"
        )

    return report


def _print_warnings(caught, name):
    """Print the first line of every distinct warning once."""
    seen = set()
    for w in caught:
        text = str(w.message).strip().splitlines()[0] if str(w.message) else ""
        if text and text not in seen:
            seen.add(text)
            _warn_line(f"{name}: {text}")


def _result_row(name, search, search_time, test_score, max_iter):
    """The result of one model's search, as in ``--json``'s ``models``."""
    model = _final_model(search.best_estimator_)
    res = search.cv_results_
    best = search.best_index_
    return {
        "name": name,
        "best_params": _short(search.best_params_),
        "cv_mean": float(res["mean_test_score"][best]),
        "cv_std": float(res["std_test_score"][best]),
        "test_score": float(test_score),
        "fit_time": float(search.refit_time_),
        "search_time": search_time,
        "epochs": int(model.n_iter_),
        "converged": bool(model.n_iter_ < max_iter),
        "candidates": [
            {
                "params": _short(params),
                "cv_mean": float(res["mean_test_score"][k]),
                "cv_std": float(res["std_test_score"][k]),
                "rank": int(res["rank_test_score"][k]),
                "mean_fit_time": float(res["mean_fit_time"][k]),
            }
            for k, params in enumerate(res["params"])
        ],
    }


def _search_model(cls, data, split, settings, progress):
    """Build ``cls``'s pipeline and grid for ``data`` and search it."""
    name = cls.__name__
    estimator = cls(**model_params(settings["seed"], settings["max_iter"]))
    pipeline, prefix = build_pipeline(estimator, data, settings["scale_target"])
    grid = param_grid(settings["hidden"], settings["learning_rates"], prefix)
    n_candidates = len(ParameterGrid(grid))
    n_jobs = _capped_n_jobs(settings["n_jobs"], n_candidates * settings["cv"])
    # epochs can only be shown for fits in this process
    epochs = (n_jobs or 1) == 1 and progress.attach_epoch_bar(estimator, name)
    progress.begin_search(name, n_candidates, settings["max_iter"], epochs)
    return search_one(
        pipeline,
        grid,
        split[0],
        split[2],
        split[1],
        split[3],
        name=name,
        cv=settings["cv"],
        n_jobs=n_jobs,
        max_iter=settings["max_iter"],
        metric=METRICS[data.task],
        progress=progress,
    )


def run_compare(
    data,
    hidden,
    learning_rates,
    *,
    cv=DEFAULT_CV,
    n_jobs=None,
    seed=0,
    max_iter=DEFAULT_MAX_ITER,
    test_size=DEFAULT_TEST_SIZE,
    scale_target=True,
    progress=True,
):
    """Search the same grid for both estimators of ``data.task``.

    Parameters
    ----------
    data : Dataset
        The data (see :func:`read_csv` and :func:`load_dataset`).

    hidden : list of tuple of int
        Hidden layer sizes of the grid.

    learning_rates : list of float
        Learning rates of the grid.

    cv : int, default=3
        Number of cross-validation folds.

    n_jobs : int, default=None
        Parallel fits of each search.

    seed : int, default=0
        Random state of the split and of both models.

    max_iter : int, default=300
        Epochs of every fit.

    test_size : float, default=0.25
        Held-out test fraction.

    scale_target : bool, default=True
        Whether to min-max scale a regression target for training (scores
        stay in its units); ignored for classification.

    progress : bool or progress display, default=True
        ``True``: one line per candidate on stderr; ``False``: nothing; or
        :func:`make_progress`'s display.

    Returns
    -------
    result : dict
        The whole comparison, as printed by ``--json``.
    best_models : list of Pipeline or TransformedTargetRegressor
        The refitted best pipeline of each estimator, in the order of
        ``result["models"]``.
    """
    check_dataset(data, cv, test_size)
    split = split_dataset(data, cv, test_size, seed)
    progress = _as_progress(progress)
    settings = {  # what every model's search gets
        "hidden": hidden,
        "learning_rates": learning_rates,
        "cv": cv,
        "n_jobs": n_jobs,
        "seed": seed,
        "max_iter": max_iter,
        "test_size": test_size,
        "scale_target": scale_target and data.task == "regression",
    }
    models, best_models = _search_models(data, split, settings, progress)
    result = _result(data, split, settings, models)
    result["progress_callbacks"] = list(progress.timed_with_callbacks)
    return result, best_models


def _search_models(data, split, settings, progress):
    """Search both models; return their result rows and best pipelines."""
    n_candidates = len(settings["hidden"]) * len(settings["learning_rates"])
    progress.line(
        f"{data.name}: {data.task}, {data.X.shape[0]} samples, "
        f"{data.X.shape[1]} features; {_plural(n_candidates, 'candidate')} x "
        f"{settings['cv']} folds per model"
    )
    models, best_models = [], []
    for cls in estimator_classes(data.task):
        row, best = _search_model(cls, data, split, settings, progress)
        models.append(row)
        best_models.append(best)
    # the search time relative to the reference model's (the last one)
    reference = models[-1]["search_time"]
    for row in models:
        row["search_time_ratio"] = (
            row["search_time"] / reference if reference > 0 else float("nan")
        )
    return models, best_models


def _result(data, split, settings, models):
    """The ``--json`` document, without ``progress_callbacks``."""
    classification = data.task == "classification"
    return {
        "dataset": data.name,
        "source": data.source,
        "task": data.task,
        "metric": METRICS[data.task],
        "n_samples": int(data.X.shape[0]),
        "n_features": int(data.X.shape[1]),
        "categorical_features": [data.feature_names[j] for j in data.categorical],
        "n_one_hot_columns": data.n_one_hot_columns,
        "n_outputs": data.n_outputs,
        "classes": np.unique(data.y).tolist() if classification else None,
        "scale_target": settings["scale_target"],
        "n_train": int(split[0].shape[0]),
        "n_test": int(split[1].shape[0]),
        "cv": settings["cv"],
        "seed": settings["seed"],
        "max_iter": settings["max_iter"],
        "test_size": settings["test_size"],
        "param_grid": _short(
            param_grid(settings["hidden"], settings["learning_rates"])
        ),
        "models": models,
        "versions": _versions(),
    }


def _versions():
    import sklearn

    import skbackprop

    return {
        "skbackprop": skbackprop.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }


# ----------------------------------------------------------------- reporting


def _cells(key, models):
    """The cells of table row ``key``, one per model."""
    cells = []
    for m in models:
        if key == "cv":
            cells.append(f"{m['cv_mean']:.4f} ± {m['cv_std']:.4f}")
        elif key == "test_score":
            cells.append(f"{m[key]:.4f}")
        elif key in ("fit_time", "search_time"):
            cells.append(f"{m[key]:.3f}")
        elif key == "search_time_ratio":
            cells.append(f"{m[key]:.2f}")
        elif key == "converged":
            cells.append("yes" if m[key] else "no")
        else:
            cells.append(str(m[key]))
    return cells


def _preprocessing(result):
    """The table's line on what was done to the features and the target."""
    n_categorical = len(result.get("categorical_features", []))
    n_numeric = result["n_features"] - n_categorical
    if not n_categorical:
        text = "features min-max scaled to [0, 1]"
    else:
        text = (
            f"{_plural(n_categorical, 'categorical feature')} one-hot encoded "
            f"into {_plural(result['n_one_hot_columns'], 'column')}"
        )
        if n_numeric:
            text = f"{_plural(n_numeric, 'numeric feature')} min-max scaled, " + text
    if result["task"] == "regression":
        if result.get("scale_target"):
            text += (
                "; target min-max scaled to [0, 1] for training (scores in "
                "its own units)"
            )
        else:
            text += "; target not scaled (--no-scale-target)"
    return f"preprocessing: {text}"


def _heading(result):
    """The title, setup and preprocessing lines of the table."""
    models = result["models"]
    outputs = "" if result["n_outputs"] == 1 else f", {result['n_outputs']} targets"
    categorical = result.get("categorical_features", [])
    if categorical:
        outputs = f" ({len(categorical)} categorical){outputs}"
    title = (
        f"{result['dataset']}: {result['task']}, {result['n_samples']} samples, "
        f"{result['n_features']} features{outputs} ({result['source']})"
    )
    setup = (
        f"best of {_plural(len(models[0]['candidates']), 'candidate')} by "
        f"{result['cv']}-fold "
        f"CV on {result['n_train']} training samples, tested on {result['n_test']} "
        f"held-out samples; max_iter={result['max_iter']}, seed={result['seed']}"
    )
    return [title, setup, _preprocessing(result)]


def format_table(result):
    """Format a :func:`run_compare` result as a side-by-side text table."""
    metric = result["metric"]
    models = result["models"]
    rows = []
    for param in result["param_grid"]:
        rows.append([param] + [_format_value(m["best_params"][param]) for m in models])
    keys = (
        "cv",
        "test_score",
        "fit_time",
        "epochs",
        "converged",
        "search_time",
        "search_time_ratio",
    )
    for label, key in zip(TABLE_ROWS, keys):
        rows.append([label.format(metric=metric)] + _cells(key, models))

    header = [""] + [m["name"] for m in models]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    out = [*_heading(result), "", line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    out += [
        "",
        "fit time: refit of the best candidate on the whole training split",
        "search time: the whole grid search (all candidates and folds, and the refit)",
        f"search time ratio = search time / {models[-1]['name']}'s (lower is faster)",
    ]
    timed = result.get("progress_callbacks")
    if timed:
        out.append(
            f"times of {', '.join(timed)} include the progress bar's per-epoch "
            "callbacks (-q times without them)"
        )
    return "\n".join(out)


def _jsonable(value):
    """Return ``value`` with tuples as lists and non-finite floats as None."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def format_json(result):
    """Return the result as an indented JSON document (NaN becomes null)."""
    return json.dumps(_jsonable(result), indent=2, ensure_ascii=False)


def check_plot_support():
    """Raise :class:`CompareError` unless matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CompareError(
            "--plot needs matplotlib; install it with "
            "pip install 'skbackprop[plot]' (or pip install matplotlib)"
        ) from None


def plot_format(path):
    """Return the image format of ``path`` (its extension; ``png`` without one).

    Raises :class:`CompareError` (before any training) if the plot cannot be
    saved there: unsupported format, missing folder, or a directory.
    """
    from matplotlib.figure import Figure

    if os.path.isdir(path):
        raise CompareError(f"cannot save the plot to {path}: it is a directory")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CompareError(f"cannot save the plot to {path}: no such folder")
    fmt = os.path.splitext(path)[1][1:].lower() or "png"
    supported = Figure().canvas.get_supported_filetypes()
    if fmt not in supported:
        raise CompareError(
            f"cannot save the plot to {path}: unsupported image format {fmt!r}; "
            f"use one of {', '.join(sorted(supported))}"
        )
    return fmt


def plot_loss_curves(result, best_models, path):
    """Save the training loss curves of the best models to ``path``."""
    from matplotlib.figure import Figure

    from skbackprop.plotting import LossCurveDisplay

    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.subplots()
    # both models often follow the very same path: draw the first one wide
    # and translucent, the reference thin on top of it, so both stay visible
    styles = [{"linewidth": 4, "alpha": 0.5}, {"linewidth": 1.5}]
    for row, model, style in zip(result["models"], best_models, styles):
        params = row["best_params"]
        LossCurveDisplay.from_estimator(
            model,
            ax=ax,
            log_scale=True,
            name=f"{row['name']} {params['hidden_layer_sizes']}, "
            f"lr={params['learning_rate_init']:g}",
            **style,
        )
    ax.set_title(f"{result['dataset']}: training loss of the best models")
    try:
        # an explicit format: matplotlib would otherwise add ".png" to a path
        # without an extension, saving somewhere else than asked
        fig.savefig(path, dpi=100, format=plot_format(path))
    except (OSError, ValueError) as exc:
        raise CompareError(f"cannot save the plot to {path}: {exc}") from None


# -------------------------------------------------------------- command line


class _Parser(argparse.ArgumentParser):
    """Argument parser whose errors are one ``skbackprop: error:`` line."""

    def error(self, message):
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def _hidden_sizes(text):
    """Parse ``16,64,32x16`` into ``[(16,), (64,), (32, 16)]``."""
    sizes = []
    for item in text.split(","):
        try:
            layers = tuple(int(n) for n in item.strip().lower().split("x"))
        except ValueError:
            layers = ()
        if not layers or min(layers) < 1:
            raise argparse.ArgumentTypeError(
                f"invalid value {text!r}: expected comma-separated hidden layer "
                "sizes, layers of one network joined by 'x', e.g. 16,64,32x16"
            )
        sizes.append(layers)
    return sizes


def _positive_floats(text):
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if not values or not all(math.isfinite(v) and v > 0 for v in values):
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}: expected comma-separated positive numbers, "
            "e.g. 1e-3,1e-2"
        )
    return values


def _int_in_range(minimum, maximum=None):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if (
            value is None
            or value < minimum
            or (maximum is not None and value > maximum)
        ):
            expected = (
                f">= {minimum}"
                if maximum is None
                else f"between {minimum} and {maximum}"
            )
            raise argparse.ArgumentTypeError(
                f"invalid value {text!r}: expected an integer {expected}"
            )
        return value

    return parse


def _int_at_least(minimum):
    return _int_in_range(minimum)


def _delimiter(text):
    """Parse ``--delimiter``: one character, ``\\t``/``tab`` for a tab, or ``auto``."""
    if text in ("\\t", "tab", "TAB"):
        return "\t"
    if text == "auto":
        return text
    if len(text) != 1 or text in '\r\n"':
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}: expected a single character such as ',' or "
            "';' ('\\t' for a tab), or 'auto'"
        )
    return text


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}: expected a non-zero integer (-1: all CPUs)"
        )
    return value


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}: expected a number between 0 and 1"
        )
    return value


COMPARE_EPILOG = """\
results:
  The table goes to stdout; progress and warnings go to stderr: progress bars
  (grid candidates, and the epochs of BackpropRegressor/Classifier fits) when
  stderr is a terminal and rich is installed, otherwise one line per grid
  candidate and model. --json prints, instead of the table, one JSON object:
  dataset, source, task, metric ("r2" or "accuracy"), n_samples, n_features,
  categorical_features, n_one_hot_columns, n_outputs, classes (null for
  regression), scale_target, n_train, n_test, cv, seed, max_iter, test_size,
  param_grid, versions, progress_callbacks (models timed with per-epoch
  progress callbacks) and "models", a list of {name, best_params, cv_mean,
  cv_std, test_score, fit_time, search_time, search_time_ratio, epochs,
  converged, candidates: [{params, cv_mean, cv_std, rank, mean_fit_time}]}.
  Non-finite numbers are null.

csv files:
  A regular UTF-8 text file (at most --max-file-size MB) whose first row
  names the columns; the delimiter is detected among , ; tab | unless given.
  Every column but --target is a feature without missing values: numeric
  (numbers only) or categorical (text only; one-hot encoded). The task is
  classification if the target is non-numeric, or holds integers with at
  most 20 distinct values (fewer than half the rows); regression otherwise.
  --task overrides the guess. Class labels are the target's text (or exact
  integers). Regression targets are min-max scaled for training unless
  --no-scale-target.

exit status:
  0 on success, 2 on bad input (one "skbackprop: error: ..." line on stderr,
  before any training when the data or the options are at fault), 130 when
  interrupted (Ctrl-C stops the whole run: no table, one line on stderr).

examples:
  skbackprop compare
  skbackprop compare --dataset digits --hidden 32,64x32 --n-jobs -1
  skbackprop compare --csv data.csv --target price --lr 1e-3,1e-2,1e-1
  skbackprop compare --json > result.json
"""


def build_parser(prog=PROG):
    """Return the argument parser of the ``skbackprop`` command."""
    from skbackprop import __version__

    parser = _Parser(
        prog=prog,
        description=(
            "Command-line tools of skbackprop. Without a command, runs "
            "'compare' with the given options."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    compare = commands.add_parser(
        "compare",
        help="grid-search skbackprop and scikit-learn MLPs side by side",
        description=textwrap.fill(
            "Tune skbackprop's and scikit-learn's MLP with the same MinMaxScaler "
            "pipeline (one-hot encoding text columns, scaling regression targets) "
            "and the same grid (learning rate x hidden layer sizes) by "
            "cross-validated grid search on a training split, then score both "
            "best models on the held-out test split and print one side-by-side "
            "table. Classification data sets compare BackpropClassifier with "
            "MLPClassifier, regression ones BackpropRegressor with MLPRegressor."
        ),
        epilog=COMPARE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_data_options(compare.add_argument_group("data"))
    _add_grid_options(compare.add_argument_group("grid search"))
    _add_output_options(compare.add_argument_group("output"))
    return parser


def _add_data_options(data):
    source = data.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        choices=sorted(DATASETS),
        default=None,
        help="built-in data set (default: diabetes); friedman1 is make_friedman1 "
        "with 500 samples and a fixed seed, linnerud has 3 targets",
    )
    source.add_argument("--csv", metavar="PATH", help="read the data from a CSV file")
    data.add_argument(
        "--target", metavar="COLUMN", help="target column of --csv (required with it)"
    )
    data.add_argument(
        "--task",
        choices=("auto", "regression", "classification"),
        default="auto",
        help="task of --csv data (default: auto, guessed from the target)",
    )
    data.add_argument(
        "--delimiter",
        type=_delimiter,
        default="auto",
        metavar="CHAR",
        help="field delimiter of --csv, one character; '\\t' for a tab (default: "
        "auto, detected among , ; tab |)",
    )
    data.add_argument(
        "--decimal",
        choices=(".", ","),
        default=".",
        metavar="CHAR",
        help="decimal separator of the numbers in --csv: '.' (default) or ','",
    )
    data.add_argument(
        "--max-file-size",
        type=_int_at_least(1),
        default=DEFAULT_MAX_FILE_MB,
        metavar="MB",
        help="refuse larger --csv files, in MB of 10**6 bytes (default: "
        f"{DEFAULT_MAX_FILE_MB})",
    )
    data.add_argument(
        "--no-scale-target",
        dest="scale_target",
        action="store_false",
        help="train regressors on the raw target instead of one min-max scaled "
        "to [0, 1] (scores are in the target's units either way)",
    )
    data.add_argument(
        "--test-size",
        type=_fraction,
        default=DEFAULT_TEST_SIZE,
        metavar="FRACTION",
        help=f"held-out test fraction (default: {DEFAULT_TEST_SIZE})",
    )


def _add_grid_options(grid):
    grid.add_argument(
        "--hidden",
        type=_hidden_sizes,
        default=_hidden_sizes(DEFAULT_HIDDEN),
        metavar="SIZES",
        help="hidden layer sizes to try, comma-separated; 'x' joins the layers "
        f"of one network, e.g. 16,64,32x16 (default: {DEFAULT_HIDDEN})",
    )
    grid.add_argument(
        "--lr",
        type=_positive_floats,
        default=_positive_floats(DEFAULT_LR),
        metavar="RATES",
        help=f"learning_rate_init values to try (default: {DEFAULT_LR})",
    )
    grid.add_argument(
        "--cv",
        type=_int_at_least(2),
        default=DEFAULT_CV,
        metavar="K",
        help=f"number of cross-validation folds (default: {DEFAULT_CV})",
    )
    grid.add_argument(
        "--max-iter",
        type=_int_at_least(1),
        default=DEFAULT_MAX_ITER,
        metavar="N",
        help=f"maximum number of epochs of every fit (default: {DEFAULT_MAX_ITER})",
    )
    grid.add_argument(
        "--seed",
        type=_int_in_range(0, MAX_SEED),
        default=0,
        help="random state of the split and of both models (default: 0)",
    )
    grid.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=None,
        metavar="N",
        help="parallel fits of the grid search (default: 1; -1: all CPUs)",
    )


def _add_output_options(output):
    output.add_argument(
        "--json",
        action="store_true",
        help="print the result as JSON on stdout instead of the table",
    )
    output.add_argument(
        "--plot",
        metavar="FILE.png",
        help="save the loss curves of both best models; the format follows the "
        "extension, e.g. .svg or .pdf (needs matplotlib)",
    )
    output.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress (lines or bars) on stderr",
    )
    output.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)


def _normalize_argv(argv):
    """Make ``compare`` the command when none is given."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        if "--version" not in argv:
            return ["compare", *argv]
    return argv


def run_compare_command(args):
    """Run ``compare`` with parsed arguments; return the exit status."""
    if args.csv is None and args.target is not None:
        raise CompareError("--target only applies to --csv")
    if args.csv is None and args.task != "auto":
        raise CompareError("--task only applies to --csv (built-in data sets fix it)")
    if args.csv is not None and args.target is None:
        raise CompareError("--csv needs --target COLUMN")
    if args.plot is not None:
        check_plot_support()
        plot_format(args.plot)  # fail now rather than after the searches

    if args.csv is not None:
        data = read_csv(
            args.csv,
            args.target,
            args.task,
            args.delimiter,
            args.decimal,
            max_bytes=args.max_file_size * 10**6,
        )
    else:
        data = load_dataset(args.dataset or "diabetes")
    with make_progress(quiet=args.quiet) as progress:
        result, best_models = run_compare(
            data,
            args.hidden,
            args.lr,
            cv=args.cv,
            n_jobs=args.n_jobs,
            seed=args.seed,
            max_iter=args.max_iter,
            test_size=args.test_size,
            scale_target=args.scale_target,
            progress=progress,
        )
    if args.plot is not None:
        plot_loss_curves(result, best_models, args.plot)
        if not args.quiet:
            print(f"{PROG}: loss curves saved to {args.plot}", file=sys.stderr)
    print(format_json(result) if args.json else format_table(result))
    return 0


def main(argv=None, prog=PROG):
    """Run the ``skbackprop`` command line.

    ``skbackprop compare`` (the default command) grid-searches skbackprop's
    and scikit-learn's MLP side by side; see ``skbackprop compare --help``.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments without the program name. ``None`` reads
        ``sys.argv[1:]``. Without a command (no arguments, or options only),
        ``compare`` is run.

    prog : str, default="skbackprop"
        Program name shown in usage and help messages.

    Returns
    -------
    int
        Exit status: 0 on success, 2 on bad input (reported as one
        ``skbackprop: error: ...`` line on stderr), 130 if interrupted
        (Ctrl-C stops the whole run, printing one line on stderr), 141 when
        the reader of the output closed the pipe.
    """
    argv = _normalize_argv(sys.argv[1:] if argv is None else list(argv))
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.command is None:  # only reachable with an empty command line
        args = parser.parse_args(["compare"])
    try:
        with abort_on_interrupt():
            return run_compare_command(args)
    except (KeyboardInterrupt, RunInterrupted):
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of stdout went away (``skbackprop compare | head``): as
        # other command-line tools, stop quietly; point stdout at devnull so
        # that the interpreter's final flush does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for such a pipe
    except MemoryError:
        if args.debug:
            raise
        print(
            f"{PROG}: error: out of memory (try smaller --hidden sizes, fewer "
            "--n-jobs or less data)",
            file=sys.stderr,
        )
        return 2
    except (CompareError, OSError, ValueError) as exc:
        if args.debug:
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
