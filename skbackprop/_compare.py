"""Side-by-side comparison of skbackprop and scikit-learn's MLP estimators.

Run with ``python -m skbackprop``. Each step (loading data, building the
pipelines, fitting, formatting) is its own function so that a fuller
``skbackprop compare`` command can reuse them.
"""

import argparse
import time
import warnings

from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from skbackprop import BackpropClassifier, BackpropRegressor

# name -> (loader, task, metric reported by ``Pipeline.score``)
DATASETS = {
    "diabetes": (load_diabetes, "regression", "r2"),
    "breast_cancer": (load_breast_cancer, "classification", "accuracy"),
}
# (ours, reference) per task; the reference model's fit time is the ratio's base
ESTIMATORS = {
    "regression": (BackpropRegressor, MLPRegressor),
    "classification": (BackpropClassifier, MLPClassifier),
}
COLUMNS = ("dataset", "metric", "model", "score", "fit time (s)", "epochs", "ratio")


def model_params(seed=0, max_iter=500):
    """Hyperparameters shared by both models of a comparison."""
    return {
        "hidden_layer_sizes": (32,),
        "solver": "adam",
        "learning_rate_init": 0.01,
        "max_iter": max_iter,
        "random_state": seed,
        "early_stopping": False,
    }


def load_split(name, seed=0):
    """Load a bundled dataset and return ``X_train, X_test, y_train, y_test``."""
    loader, _, _ = DATASETS[name]
    X, y = loader(return_X_y=True)
    return train_test_split(X, y, random_state=seed)


def make_pipelines(task, params):
    """Return ``[(name, pipeline), ...]`` with identically configured models."""
    return [
        (cls.__name__, Pipeline([("scale", MinMaxScaler()), ("model", cls(**params))]))
        for cls in ESTIMATORS[task]
    ]


def fit_and_score(pipe, X_train, X_test, y_train, y_test):
    """Fit ``pipe`` quietly; return its test score, fit time and epoch count."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        pipe.fit(X_train, y_train)
        fit_time = time.perf_counter() - start
    return {
        "score": pipe.score(X_test, y_test),
        "fit_time": fit_time,
        "epochs": pipe[-1].n_iter_,
    }


def compare(name, seed=0, max_iter=500):
    """Run one dataset's comparison and return one result row per model."""
    _, task, metric = DATASETS[name]
    X_train, X_test, y_train, y_test = load_split(name, seed)
    rows = []
    for model, pipe in make_pipelines(task, model_params(seed, max_iter)):
        result = fit_and_score(pipe, X_train, X_test, y_train, y_test)
        rows.append({"dataset": name, "metric": metric, "model": model, **result})
    reference = rows[-1]["fit_time"]
    for row in rows:
        row["ratio"] = row["fit_time"] / reference if reference > 0 else float("nan")
    return rows


def format_table(rows):
    """Format result rows as a plain-text table (``ratio`` = time / sklearn's)."""
    fmt = ("{dataset}", "{metric}", "{model}", "{score:.4f}", "{fit_time:.3f}")
    fmt += ("{epochs}", "{ratio:.2f}")
    cells = [COLUMNS] + [tuple(f.format(**r) for f in fmt) for r in rows]
    widths = [max(len(c) for c in col) for col in zip(*cells)]
    lines = [
        "  ".join(
            c.ljust(w) if i < 3 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths))
        )
        for line in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def build_parser():
    """Return the argument parser of ``python -m skbackprop``."""
    parser = argparse.ArgumentParser(
        prog="python -m skbackprop",
        description="Compare skbackprop with scikit-learn's MLP estimators.",
    )
    parser.add_argument(
        "--dataset",
        choices=sorted(DATASETS),
        action="append",
        help="dataset to run (repeatable; default: all)",
    )
    parser.add_argument("--seed", type=int, default=0, help="split and model seed")
    parser.add_argument("--max-iter", type=int, default=500, help=argparse.SUPPRESS)
    return parser


def main(argv=None):
    """Fit skbackprop and scikit-learn MLPs side by side and print a table.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments without the program name. ``None`` reads
        ``sys.argv[1:]``. ``--dataset {breast_cancer,diabetes}`` restricts the
        run to one dataset (repeatable) and ``--seed`` sets the random state of
        both the train/test split and the models.

    Returns
    -------
    int
        Exit status, 0 on success.
    """
    args = build_parser().parse_args(argv)
    rows = []
    for name in args.dataset or list(DATASETS):
        rows.extend(compare(name, seed=args.seed, max_iter=args.max_iter))
    print(format_table(rows))
    print("ratio = fit time / fit time of the scikit-learn model (lower is faster)")
    return 0
