"""The ``skbackprop compare`` command: skbackprop versus scikit-learn's MLPs.

``skbackprop compare`` (also ``python -m skbackprop compare``, or just
``python -m skbackprop``) puts skbackprop's estimator and scikit-learn's
``MLPRegressor``/``MLPClassifier`` into the same
:func:`~skbackprop.pipeline.make_scaled_pipeline` pipeline, tunes both with
the same :class:`~sklearn.model_selection.GridSearchCV` grid (learning rate x
hidden layer sizes) on a training split, scores the best model of each on the
held-out test split and prints one side-by-side table.

Each step (reading the data, checking it, searching, formatting) is its own
function; :func:`main` only wires them to the command line. Expected problems
with the input raise :class:`CompareError`, which :func:`main` reports as one
``skbackprop: error: ...`` line on stderr with exit status 2.
"""

import argparse
import csv
import json
import math
import os
import sys
import textwrap
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from joblib import effective_n_jobs
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
MISSING = {"", "na", "n/a", "nan", "null", "none", "?"}

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


@dataclass
class Dataset:
    """A data set ready for the comparison."""

    name: str
    source: str
    task: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list = field(default_factory=list)

    @property
    def n_outputs(self):
        return 1 if self.y.ndim == 1 else self.y.shape[1]


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


def param_grid(hidden, learning_rates):
    """Return the pipeline grid for the given hidden sizes and learning rates."""
    return {
        "model__hidden_layer_sizes": list(hidden),
        "model__learning_rate_init": list(learning_rates),
    }


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


def _read_rows(path, delimiter):
    """Return ``[(line_number, row), ...]`` of the non-blank rows of ``path``."""
    try:
        handle = open(path, newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise CompareError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise CompareError(f"cannot read {path}: it is a directory") from None
    except OSError as exc:
        raise CompareError(f"cannot read {path}: {exc.strerror or exc}") from None
    rows = []
    with handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    rows.append((reader.line_num, [cell.strip() for cell in row]))
        except csv.Error as exc:
            raise CompareError(f"{path}, line {reader.line_num}: {exc}") from None
        except UnicodeDecodeError:
            raise CompareError(f"{path} is not a UTF-8 text (CSV) file") from None
    return rows


def infer_task(values):
    """Guess ``"regression"`` or ``"classification"`` from target cells.

    Parameters
    ----------
    values : list of str
        The target column, without missing values.

    Returns
    -------
    task : {"regression", "classification"}
        ``"classification"`` if any value is non-numeric, or if all values
        are integers with at most ``MAX_AUTO_CLASSES`` (20) distinct values
        and fewer distinct values than half the number of rows; otherwise
        ``"regression"``.
    """
    try:
        numbers = np.array([float(v) for v in values])
    except ValueError:
        return "classification"
    if not np.all(np.isfinite(numbers)) or not np.all(numbers == np.round(numbers)):
        return "regression"
    n_distinct = len(np.unique(numbers))
    if n_distinct <= MAX_AUTO_CLASSES and n_distinct <= len(numbers) / 2:
        return "classification"
    return "regression"


def _parse_target(values, lines, column, task, path):
    """Convert the target cells to a regression target or class labels."""
    try:
        numbers = np.array([float(v) for v in values])
    except ValueError:
        numbers = None
    if task == "regression":
        if numbers is None:
            bad = next((v, n) for v, n in zip(values, lines) if not _is_float(v))
            raise CompareError(
                f"{path}, line {bad[1]}: non-numeric target value {bad[0]!r} in "
                f"column {column!r}; a regression needs a numeric target "
                "(use --task classification for class labels)"
            )
        if not np.all(np.isfinite(numbers)):
            n = lines[int(np.flatnonzero(~np.isfinite(numbers))[0])]
            raise CompareError(
                f"{path}, line {n}: non-finite target value in column {column!r}"
            )
        return numbers
    if numbers is not None and np.all(numbers == np.round(numbers)):
        return numbers.astype(np.int64)  # integer class labels
    return np.array(values, dtype=object)


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_csv(path, target, task="auto", delimiter=","):
    """Read a CSV file with a header row into a :class:`Dataset`.

    Every column other than ``target`` is a feature and must be numeric and
    complete. Only the standard library's :mod:`csv` module and numpy are
    used.

    Parameters
    ----------
    path : str
        The CSV file. Its first non-blank row names the columns.

    target : str
        Name of the target column.

    task : {"auto", "regression", "classification"}, default="auto"
        ``"auto"`` decides with :func:`infer_task`.

    delimiter : str, default=","
        Field delimiter.

    Returns
    -------
    dataset : Dataset

    Raises
    ------
    CompareError
        If the file is missing, empty or malformed, has no column ``target``,
        or holds non-numeric, missing or infinite feature values.
    """
    rows = _read_rows(path, delimiter)
    if not rows:
        raise CompareError(f"{path} is empty")
    _, header = rows[0]
    if target not in header:
        hint = ""
        if len(header) == 1:
            hint = f" (is {delimiter!r} the right --delimiter?)"
        raise CompareError(
            f"{path} has no column {target!r}; its columns are "
            f"{_columns_hint(header)}{hint}"
        )
    if header.count(target) > 1:
        raise CompareError(f"{path} has several columns named {target!r}")
    data = rows[1:]
    if not data:
        raise CompareError(f"{path} has a header row but no data rows")
    if len(header) < 2:
        raise CompareError(f"{path} has no feature column besides {target!r}")
    t = header.index(target)
    features = [j for j in range(len(header)) if j != t]

    X = np.empty((len(data), len(features)))
    target_cells, lines = [], []
    for i, (line, row) in enumerate(data):
        if len(row) != len(header):
            raise CompareError(
                f"{path}, line {line}: expected {len(header)} fields like the "
                f"header, found {len(row)}"
            )
        for k, j in enumerate(features):
            cell = row[j]
            if _is_missing(cell):
                raise CompareError(
                    f"{path}, line {line}: missing value ({cell!r}) in column "
                    f"{header[j]!r}; drop or fill in incomplete rows first"
                )
            try:
                value = float(cell)
            except ValueError:
                raise CompareError(
                    f"{path}, line {line}: non-numeric value {cell!r} in feature "
                    f"column {header[j]!r}; only numeric features are supported "
                    "(encode categorical columns as numbers first)"
                ) from None
            if not math.isfinite(value):
                raise CompareError(
                    f"{path}, line {line}: infinite value {cell!r} in column "
                    f"{header[j]!r}"
                )
            X[i, k] = value
        if _is_missing(row[t]):
            raise CompareError(
                f"{path}, line {line}: missing target value ({row[t]!r}) in "
                f"column {target!r}"
            )
        target_cells.append(row[t])
        lines.append(line)

    if task == "auto":
        task = infer_task(target_cells)
    y = _parse_target(target_cells, lines, target, task, path)
    return Dataset(
        name=os.path.basename(path),
        source=f"{path}, target column {target!r}",
        task=task,
        X=X,
        y=y,
        feature_names=[header[j] for j in features],
    )


# ------------------------------------------------------------- checking data


def check_dataset(data, cv, test_size):
    """Raise :class:`CompareError` if ``data`` cannot be split and searched."""
    n = data.X.shape[0]
    if not np.all(np.isfinite(data.X)):
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
    """Drop the ``model__`` prefix of pipeline parameter names."""
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


def search_one(
    estimator_cls,
    grid,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    cv=DEFAULT_CV,
    n_jobs=None,
    seed=0,
    max_iter=DEFAULT_MAX_ITER,
    metric="score",
    progress=True,
):
    """Grid-search one estimator class; return its result row and best model.

    Returns
    -------
    result : dict
        ``name``, ``best_params``, ``cv_mean``, ``cv_std``, ``test_score``,
        ``fit_time`` (refit of the best candidate on the whole training
        split), ``search_time``, ``epochs``, ``converged`` and
        ``candidates`` (one dict per grid point).
    best : Pipeline
        The refitted best pipeline.
    """
    from skbackprop.pipeline import make_scaled_pipeline

    name = estimator_cls.__name__
    if n_jobs is not None:
        # never start more workers than there are fits to run
        n_fits = len(ParameterGrid(grid)) * cv
        n_jobs = min(effective_n_jobs(n_jobs), n_fits)
    pipe = make_scaled_pipeline(estimator_cls(**model_params(seed, max_iter)))
    search = _ProgressGridSearchCV(
        pipe, grid, cv=cv, n_jobs=n_jobs, error_score="raise"
    )
    if progress:

        def report(i, n, params, mean, std, seconds):
            print(
                f"{PROG}: {name} [{i}/{n}] {_format_params(params)}: "
                f"CV {metric} {mean:.4f} ± {std:.4f} ({seconds:.1f} s)",
                file=sys.stderr,
                flush=True,
            )

        search._report = report
        search._chunk = max(1, effective_n_jobs(n_jobs) // cv)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        try:
            search.fit(X_train, y_train)
        except ValueError as exc:  # e.g. training diverged (error_score="raise")
            raise CompareError(f"{name}: {exc}") from exc
        search_time = time.perf_counter() - start
        test_score = search.score(X_test, y_test)
    seen = set()
    for w in caught:
        text = str(w.message).strip().splitlines()[0] if str(w.message) else ""
        if text and text not in seen:
            seen.add(text)
            _warn_line(f"{name}: {text}")

    model = search.best_estimator_.named_steps["model"]
    res = search.cv_results_
    best = search.best_index_
    result = {
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
    return result, search.best_estimator_


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
    progress=True,
):
    """Search the same grid for both estimators of ``data.task``.

    Returns
    -------
    result : dict
        The whole comparison, as printed by ``--json``.
    best_models : list of Pipeline
        The refitted best pipeline of each estimator, in the order of
        ``result["models"]``.
    """
    check_dataset(data, cv, test_size)
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
    grid = param_grid(hidden, learning_rates)
    n_candidates = len(ParameterGrid(grid))
    if progress:
        print(
            f"{PROG}: {data.name}: {data.task}, {data.X.shape[0]} samples, "
            f"{data.X.shape[1]} features; {_plural(n_candidates, 'candidate')} x "
            f"{cv} folds per model",
            file=sys.stderr,
            flush=True,
        )
    models, best_models = [], []
    for cls in estimator_classes(data.task):
        row, best = search_one(
            cls,
            grid,
            X_train,
            y_train,
            X_test,
            y_test,
            cv=cv,
            n_jobs=n_jobs,
            seed=seed,
            max_iter=max_iter,
            metric=METRICS[data.task],
            progress=progress,
        )
        models.append(row)
        best_models.append(best)
    reference = models[-1]["search_time"]
    for row in models:
        row["search_time_ratio"] = (
            row["search_time"] / reference if reference > 0 else float("nan")
        )

    result = {
        "dataset": data.name,
        "source": data.source,
        "task": data.task,
        "metric": METRICS[data.task],
        "n_samples": int(data.X.shape[0]),
        "n_features": int(data.X.shape[1]),
        "n_outputs": data.n_outputs,
        "classes": (
            np.unique(data.y).tolist() if data.task == "classification" else None
        ),
        "n_train": int(X_train.shape[0]),
        "n_test": int(X_test.shape[0]),
        "cv": cv,
        "seed": seed,
        "max_iter": max_iter,
        "test_size": test_size,
        "param_grid": _short(grid),
        "models": models,
        "versions": _versions(),
    }
    return result, best_models


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


def format_table(result):
    """Format a :func:`run_compare` result as a side-by-side text table."""
    metric = result["metric"]
    models = result["models"]
    rows = []
    for param in result["param_grid"]:
        rows.append([param] + [_format_value(m["best_params"][param]) for m in models])
    labels = [label.format(metric=metric) for label in TABLE_ROWS]
    for label, key in zip(
        labels,
        (
            "cv",
            "test_score",
            "fit_time",
            "epochs",
            "converged",
            "search_time",
            "search_time_ratio",
        ),
    ):
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
        rows.append([label] + cells)

    header = [""] + [m["name"] for m in models]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    outputs = "" if result["n_outputs"] == 1 else f", {result['n_outputs']} targets"
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
    out = [title, setup, "", line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    out += [
        "",
        "fit time: refit of the best candidate on the whole training split",
        "search time: the whole grid search (all candidates and folds, and the refit)",
        f"search time ratio = search time / {models[-1]['name']}'s (lower is faster)",
    ]
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
    """Parse ``--delimiter``: one character, or ``\\t``/``tab`` for a tab."""
    if text in ("\\t", "tab", "TAB"):
        return "\t"
    if len(text) != 1 or text in '\r\n"':
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}: expected a single character such as ',' or "
            "';' (or '\\t' for a tab)"
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
  The table goes to stdout; progress (one line per grid candidate and model)
  and warnings go to stderr. --json prints, instead of the table, one JSON
  object: dataset, source, task, metric ("r2" or "accuracy"), n_samples,
  n_features, n_outputs, classes (null for regression), n_train, n_test, cv,
  seed, max_iter, test_size, param_grid, versions and "models", a list of
  {name, best_params, cv_mean, cv_std, test_score, fit_time, search_time,
  search_time_ratio, epochs, converged, candidates: [{params, cv_mean, cv_std,
  rank, mean_fit_time}]}. Non-finite numbers are null.

csv files:
  UTF-8 text whose first row names the columns; every column but --target is
  a numeric feature, without missing values. The task is classification if
  the target is non-numeric, or holds integers with at most 20 distinct values
  (fewer than half the rows); regression otherwise. --task overrides the guess.

exit status:
  0 on success, 2 on bad input (one "skbackprop: error: ..." line on stderr,
  before any training when the data or the options are at fault).

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
            "pipeline and the same grid (learning rate x hidden layer sizes) by "
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
        default=",",
        metavar="CHAR",
        help="field delimiter of --csv, one character; '\\t' for a tab (default: ',')",
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
        "-q", "--quiet", action="store_true", help="no progress lines on stderr"
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
        data = read_csv(args.csv, args.target, args.task, args.delimiter)
    else:
        data = load_dataset(args.dataset or "diabetes")
    result, best_models = run_compare(
        data,
        args.hidden,
        args.lr,
        cv=args.cv,
        n_jobs=args.n_jobs,
        seed=args.seed,
        max_iter=args.max_iter,
        test_size=args.test_size,
        progress=not args.quiet,
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
        ``skbackprop: error: ...`` line on stderr), 130 if interrupted.
    """
    argv = _normalize_argv(sys.argv[1:] if argv is None else list(argv))
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.command is None:  # only reachable with an empty command line
        args = parser.parse_args(["compare"])
    try:
        return run_compare_command(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
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
