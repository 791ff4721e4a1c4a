"""Peak memory of fit and predict on a large float32 data set.

Trains ``BackpropRegressor(hidden_layer_sizes=(64,), solver="adam",
batch_size=256, max_iter=1)`` on 1,000,000 x 20 float32 rows and measures,
with :mod:`tracemalloc` (numpy reports its array allocations to it), the peak
memory allocated *on top of the data* during ``fit`` and during ``predict``,
then does the same for scikit-learn's ``MLPRegressor``.

Minibatch training must not allocate anything proportional to
``n_samples x hidden width``: the reference is the size of one such float32
array (1e6 x 64 x 4 B = 256 MB). Arrays proportional to ``n_samples`` alone
(a permutation of the rows, the float32 copy of ``y``, the predictions) are
expected and small (4-8 MB each). A phase PASSes when its peak extra memory is
below ``--threshold`` (default 0.25) times the reference.

Usage::

    python benchmarks/bench_memory.py [--n-samples N] [--n-features F]
                                      [--hidden H] [--batch-size B]
                                      [--no-sklearn] [--json PATH]

The process-wide peak resident set size is printed too, for information
only (it also counts the data and the interpreter).
"""

import argparse
import gc
import json
import platform
import resource
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

try:
    import skbackprop
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import skbackprop

from skbackprop import BackpropRegressor

MB = 1e6


def _make_data(n_samples, n_features, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features), dtype=np.float32)
    w = rng.standard_normal(n_features, dtype=np.float32)
    y = np.tanh(X @ w) + 0.1 * rng.standard_normal(n_samples, dtype=np.float32)
    return X, y.astype(np.float32)


def _peak_extra(fn):
    """Run ``fn``; return (result, peak bytes allocated above the start, s)."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    start, _ = tracemalloc.get_traced_memory()
    t0 = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, peak - start, elapsed


def _measure(name, make_estimator, X, y):
    est = make_estimator()

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return est.fit(X, y)

    _, fit_peak, fit_time = _peak_extra(fit)
    pred, predict_peak, predict_time = _peak_extra(lambda: est.predict(X))
    # the returned predictions are part of predict's peak; report them apart
    return {
        "library": name,
        "fit_peak_mb": fit_peak / MB,
        "fit_seconds": fit_time,
        "predict_peak_mb": predict_peak / MB,
        "predict_output_mb": pred.nbytes / MB,
        "predict_seconds": predict_time,
        "coef_dtype": str(est.coefs_[0].dtype),
        "n_iter": int(est.n_iter_),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=1_000_000)
    parser.add_argument("--n-features", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.25,
        help="PASS if peak extra < threshold x (n_samples x hidden float32 array)",
    )
    parser.add_argument("--no-sklearn", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    X, y = _make_data(args.n_samples, args.n_features)
    data_mb = (X.nbytes + y.nbytes) / MB
    reference_mb = args.n_samples * args.hidden * 4 / MB
    params = dict(
        hidden_layer_sizes=(args.hidden,),
        solver="adam",
        batch_size=args.batch_size,
        max_iter=1,
        random_state=0,
    )

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, skbackprop {skbackprop.__version__} "
        f"({Path(skbackprop.__file__).parent})"
    )
    print(
        f"data: X {X.shape} {X.dtype} + y = {data_mb:.1f} MB (not counted); "
        f"reference n_samples x hidden float32 = {reference_mb:.1f} MB; "
        f"PASS below {args.threshold * reference_mb:.1f} MB"
    )
    print(f"model: {params}")

    runs = [("skbackprop", lambda: BackpropRegressor(**params))]
    if not args.no_sklearn:
        runs.append(("sklearn", lambda: MLPRegressor(**params)))
    results = [_measure(name, make, X, y) for name, make in runs]

    print()
    header = (
        f"{'library':<11} {'phase':<8} {'peak extra MB':>14} "
        f"{'x reference':>12} {'seconds':>8}  verdict"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        for phase in ("fit", "predict"):
            peak = r[f"{phase}_peak_mb"]
            ratio = peak / reference_mb
            verdict = "PASS" if ratio < args.threshold else "MISS"
            r[f"{phase}_verdict"] = verdict
            r[f"{phase}_x_reference"] = ratio
            print(
                f"{r['library']:<11} {phase:<8} {peak:>14.1f} {ratio:>12.3f} "
                f"{r[f'{phase}_seconds']:>8.2f}  {verdict}"
            )
    print()
    for r in results:
        print(
            f"{r['library']}: predictions returned = {r['predict_output_mb']:.1f} MB "
            f"(included in predict's peak), coefs dtype {r['coef_dtype']}, "
            f"n_iter_ {r['n_iter']}"
        )
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"process peak RSS (whole run, data included): {maxrss:.0f} MB")

    if args.json is not None:
        summary = {
            "n_samples": args.n_samples,
            "n_features": args.n_features,
            "hidden": args.hidden,
            "batch_size": args.batch_size,
            "data_mb": data_mb,
            "reference_mb": reference_mb,
            "threshold": args.threshold,
            "results": results,
        }
        args.json.write_text(json.dumps(summary, indent=2))
    ours = results[0]
    return 0 if ours["fit_verdict"] == ours["predict_verdict"] == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
