"""Cost of ``n_init`` stacked restarts relative to a single fit.

With ``solver='sgd'``/``'adam'`` the ``n_init`` restarts are stacked along a
leading axis and trained together (one batched matrix product per layer for
all of them), so on small networks ``n_init=10`` should cost far less than ten
fits. This script times ``fit`` with ``n_init=1`` and ``n_init=N`` on equal
work per restart (``tol=0`` and a huge ``n_iter_no_change``, so every restart
runs exactly ``max_iter`` epochs), interleaving the two, and prints the median
of the per-pair ratios ``time(n_init=N) / time(n_init=1)``. A scenario PASSes
when that ratio is at most ``--target`` (default 4 for N = 10).

Usage::

    python benchmarks/bench_restarts.py [--n-init N] [--repeats R] [--target T]
"""

import argparse
import gc
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning

try:
    import skbackprop
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import skbackprop

from skbackprop import BackpropClassifier, BackpropRegressor

NEVER_STOP = {"tol": 0.0, "n_iter_no_change": 10**9, "random_state": 0}


def _lecture():
    X = np.array([[3, 5], [5, 1], [10, 2]], dtype=float)
    return X / X.max(axis=0), np.array([75, 82, 93], dtype=float) / 100


def _regression():
    X, y = make_regression(2000, 10, noise=5.0, random_state=0)
    return X, y / y.std()


def _digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


SCENARIOS = [
    (
        "lecture-2-3-1-sgd",
        BackpropRegressor,
        _lecture,
        {
            "hidden_layer_sizes": (3,),
            "activation": "logistic",
            "solver": "sgd",
            "learning_rate_init": 0.5,
            "momentum": 0.0,
            "batch_size": 3,
            "shuffle": False,
            "alpha": 0.0,
            "max_iter": 2000,
            "fit_intercept": False,
        },
    ),
    (
        "regression-16-adam",
        BackpropRegressor,
        _regression,
        {"hidden_layer_sizes": (16,), "solver": "adam", "max_iter": 50},
    ),
    (
        "digits-32-adam",
        BackpropClassifier,
        _digits,
        {"hidden_layer_sizes": (32,), "solver": "adam", "max_iter": 30},
    ),
]


def _time_fit(est, X, y):
    gc.disable()
    try:
        start = time.perf_counter()
        est.fit(X, y)
        return time.perf_counter() - start
    finally:
        gc.enable()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-init", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--target", type=float, default=4.0)
    args = parser.parse_args(argv)
    print(f"skbackprop {skbackprop.__version__} | numpy {np.__version__}")
    print(f"ratio = time(fit, n_init={args.n_init}) / time(fit, n_init=1), median")
    header = (
        f"{'scenario':<20} {'single s':>9} {'stacked s':>10} {'ratio':>6} "
        f"{'[min-max]':>13} {'target':>7} {'result':>6}"
    )
    print(header)
    print("-" * len(header))
    n_pass = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, Est, data, params in SCENARIOS:
            X, y = data()
            single = Est(**params, **NEVER_STOP)
            stacked = Est(**params, **NEVER_STOP, n_init=args.n_init)
            single.fit(X, y)  # warm-up
            stacked.fit(X, y)
            assert len(stacked.restart_losses_) == args.n_init
            t1, tn = [], []
            for i in range(args.repeats):
                pair = [(single, t1), (stacked, tn)]
                for est, times in pair if i % 2 == 0 else pair[::-1]:
                    times.append(_time_fit(est, X, y))
            ratios = np.array(tn) / np.array(t1)
            ratio = float(np.median(ratios))
            ok = ratio <= args.target
            n_pass += ok
            spread = f"[{ratios.min():.2f}-{ratios.max():.2f}]"
            print(
                f"{name:<20} {np.median(t1):>9.4f} {np.median(tn):>10.4f} "
                f"{ratio:>6.2f} {spread:>13} {'<= ' + str(args.target):>7} "
                f"{'PASS' if ok else 'MISS':>6}"
            )
    print(f"\n{n_pass}/{len(SCENARIOS)} scenarios meet their target")


if __name__ == "__main__":
    main()
