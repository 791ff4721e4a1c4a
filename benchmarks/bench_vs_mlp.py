"""Benchmark skbackprop against scikit-learn's MLP on equal work.

Both libraries get identical hyperparameters and run exactly ``max_iter``
epochs (``tol=0`` and a huge ``n_iter_no_change`` disable early stopping;
``n_iter_`` is asserted).  Runs are interleaved inside one process
(sk, ours, ours, sk, sk, ours, ...) and we report the median of the per-pair
time ratios ``skbackprop / sklearn`` together with median absolute times.
Ratios from different invocations should not be compared on noisy machines.

Usage::

    python benchmarks/bench_vs_mlp.py [--repeats N] [--only NAME ...]
                                      [--quick] [--json PATH]
"""

import argparse
import gc
import json
import platform
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

NEVER_STOP = {"tol": 0.0, "n_iter_no_change": 10**9}


@dataclass
class Scenario:
    name: str
    target: float  # PASS if median ratio <= target
    kind: str  # "reg" or "clf"
    data: object  # callable(quick) -> (X, y)
    params: dict
    repeats: int = 5
    quick_params: dict = field(default_factory=dict)


def _tiny(quick):
    X = np.array([[3, 5], [5, 1], [10, 2]], dtype=float)
    return X / X.max(axis=0), np.array([75, 82, 93], dtype=float) / 100


def _regression(n_samples, n_features, dtype=np.float64):
    def make(quick):
        n = n_samples // 6 if quick else n_samples
        X, y = make_regression(n, n_features, noise=10.0, random_state=0)
        y = y / y.std()  # keep plain SGD finite; same data for both sides
        return X.astype(dtype), y.astype(dtype)

    return make


def _digits(quick):
    return load_digits(return_X_y=True)


BIG = {
    "hidden_layer_sizes": (256, 256),
    "solver": "sgd",
    "batch_size": 1000,
    "max_iter": 10,
}
TINY = {
    "hidden_layer_sizes": (3,),
    "activation": "logistic",
    "solver": "sgd",
    "learning_rate_init": 0.5,
    "momentum": 0.0,
    "batch_size": 3,
    "max_iter": 3000,
    "shuffle": False,
    "alpha": 0.0,
}
ADAM = {"hidden_layer_sizes": (100,), "solver": "adam"}
SCENARIOS = [
    Scenario(
        "tiny-fullbatch", 0.15, "reg", _tiny, TINY, quick_params={"max_iter": 500}
    ),
    Scenario(
        "reg-adam",
        0.6,
        "reg",
        _regression(20000, 50),
        {**ADAM, "batch_size": 200, "max_iter": 10},
        quick_params={"max_iter": 3},
    ),
    Scenario(
        "digits-adam",
        0.6,
        "clf",
        _digits,
        {**ADAM, "max_iter": 50},
        quick_params={"max_iter": 10},
    ),
    Scenario(
        "big-sgd-f64",
        1.0,
        "reg",
        _regression(30000, 100),
        BIG,
        repeats=3,
        quick_params={"max_iter": 1},
    ),
    Scenario(
        "big-sgd-f32",
        0.7,
        "reg",
        _regression(30000, 100, np.float32),
        BIG,
        repeats=3,
        quick_params={"max_iter": 1},
    ),
    # plain gradient descent, as the seed notes teach it
    Scenario(
        "big-sgd-f64-mom0",
        0.85,
        "reg",
        _regression(30000, 100),
        {**BIG, "momentum": 0.0},
        repeats=3,
        quick_params={"max_iter": 1},
    ),
    # one epoch: what a fit costs beyond its epochs shows here
    Scenario(
        "big-sgd-f64-1epoch",
        0.9,
        "reg",
        _regression(30000, 100),
        {**BIG, "max_iter": 1},
        repeats=5,
    ),
]


def import_ours():
    try:
        import skbackprop
    except ImportError:  # running from a checkout without `pip install -e .`
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import skbackprop
    return skbackprop.BackpropRegressor, skbackprop.BackpropClassifier


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not available"
    seen, lines = set(), []
    for lib in threadpool_info():
        key = (lib.get("internal_api"), lib.get("version"), lib.get("filepath"))
        if key in seen:
            continue
        seen.add(key)
        owner = Path(lib.get("filepath", "?")).parent.name  # e.g. numpy.libs
        lines.append(
            f"{owner}: {lib.get('internal_api')} {lib.get('version')} "
            f"arch={lib.get('architecture', '-')} threads={lib.get('num_threads')}"
        )
    return "; ".join(sorted(lines)) or "no BLAS/OpenMP pools detected"


def timed_fit(est, X, y, max_iter):
    gc.collect()
    gc.disable()  # like timeit: keep collector pauses out of the measurement
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            est.fit(X, y)
            elapsed = time.perf_counter() - t0
    finally:
        gc.enable()
    assert est.n_iter_ == max_iter, (type(est).__name__, est.n_iter_, max_iter)
    return elapsed


def run_scenario(sc, repeats, quick, ours_classes):
    X, y = sc.data(quick)
    params = {
        **sc.params,
        **(sc.quick_params if quick else {}),
        **NEVER_STOP,
        "random_state": 0,
    }
    sk_cls = MLPRegressor if sc.kind == "reg" else MLPClassifier
    our_cls = ours_classes[0] if sc.kind == "reg" else ours_classes[1]
    make = {"sk": lambda: sk_cls(**params), "ours": lambda: our_cls(**params)}
    # Untimed warm-up of both (first-call overheads, page faults, caches).
    warm = {**params, "max_iter": 1}
    for cls in (sk_cls, our_cls):
        timed_fit(cls(**warm), X, y, 1)

    times = {"sk": [], "ours": []}
    losses = {}
    for i in range(repeats):
        order = ("sk", "ours") if i % 2 == 0 else ("ours", "sk")
        for who in order:
            est = make[who]()
            times[who].append(timed_fit(est, X, y, params["max_iter"]))
            losses[who] = float(est.loss_)
    ratios = [o / s for o, s in zip(times["ours"], times["sk"])]
    ratio = statistics.median(ratios)
    return {
        "name": sc.name,
        "target": sc.target,
        "ratio": ratio,
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "sk_median_s": statistics.median(times["sk"]),
        "ours_median_s": statistics.median(times["ours"]),
        "status": "PASS" if ratio <= sc.target else "MISS",
        "pairs": repeats,
        "X_shape": list(X.shape),
        "dtype": str(X.dtype),
        "max_iter": params["max_iter"],
        "sk_loss": losses["sk"],
        "ours_loss": losses["ours"],
        "ratios": ratios,
        "sk_times_s": times["sk"],
        "ours_times_s": times["ours"],
    }


def print_table(rows):
    header = (
        f"{'scenario':<15} {'X':>12} {'dtype':>7} {'iters':>5} {'pairs':>5} "
        f"{'sk med s':>9} {'ours med s':>10} {'ratio':>6} {'[min-max]':>13} "
        f"{'target':>7} {'result':>6}  {'loss sk / ours':<20}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        shape = "x".join(map(str, r["X_shape"]))
        spread = f"[{r['ratio_min']:.2f}-{r['ratio_max']:.2f}]"
        target = f"<= {r['target']:.2f}"
        print(
            f"{r['name']:<15} {shape:>12} {r['dtype']:>7} {r['max_iter']:>5} "
            f"{r['pairs']:>5} {r['sk_median_s']:>9.4f} {r['ours_median_s']:>10.4f} "
            f"{r['ratio']:>6.3f} {spread:>13} {target:>7} "
            f"{r['status']:>6}  {r['sk_loss']:.4g} / {r['ours_loss']:.4g}"
        )


def main(argv=None):
    names = [sc.name for sc in SCENARIOS]
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="interleaved (sklearn, skbackprop) pairs per scenario "
        "(default 5; 3 for the big-sgd scenarios)",
    )
    p.add_argument(
        "--only",
        action="append",
        choices=names,
        metavar="NAME",
        help=f"run only this scenario (repeatable): {', '.join(names)}",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: fewer repeats, fewer epochs, smaller data",
    )
    p.add_argument("--json", metavar="PATH", help="also write results as JSON")
    p.add_argument(
        "--sklearn-vs-sklearn",
        action="store_true",
        help="harness check: MLP on both sides (ratios should be ~1)",
    )
    args = p.parse_args(argv)

    if args.sklearn_vs_sklearn:
        ours = (MLPRegressor, MLPClassifier)
        ours_name = "sklearn (self-check)"
    else:
        ours = import_ours()
        import skbackprop

        ours_name = f"skbackprop {getattr(skbackprop, '__version__', '?')}"

    print(
        f"python {platform.python_version()} | numpy {np.__version__} | "
        f"sklearn {sklearn.__version__} | ours: {ours_name}"
    )
    print(f"BLAS: {blas_info()}")
    if args.quick:
        print("QUICK smoke run: sizes/epochs reduced, targets not meaningful")
    print()

    rows = []
    for sc in SCENARIOS:
        if args.only and sc.name not in args.only:
            continue
        repeats = args.repeats or (2 if args.quick else sc.repeats)
        print(f"running {sc.name} ({repeats} pairs) ...", file=sys.stderr, flush=True)
        rows.append(run_scenario(sc, repeats, args.quick, ours))

    print(
        "median ratio = median over pairs of (skbackprop time / sklearn time); "
        "lower is better"
    )
    print_table(rows)
    n_pass = sum(r["status"] == "PASS" for r in rows)
    print(f"\n{n_pass}/{len(rows)} scenarios meet their target")
    if args.json:
        meta = {
            "numpy": np.__version__,
            "sklearn": sklearn.__version__,
            "ours": ours_name,
            "blas": blas_info(),
            "quick": args.quick,
        }
        Path(args.json).write_text(
            json.dumps({"meta": meta, "results": rows}, indent=2)
        )
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
