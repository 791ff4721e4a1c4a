"""Benchmark skbackprop against scikit-learn's MLP on equal work.

Both libraries get identical hyperparameters and run exactly ``max_iter``
epochs (``tol=0`` and a huge ``n_iter_no_change`` disable early stopping;
``n_iter_`` is asserted).  Runs are interleaved inside one process
(sk, ours, ours, sk, sk, ours, ...) and we report the median of the per-pair
time ratios ``skbackprop / sklearn`` together with median absolute times.
Ratios from different invocations should not be compared on noisy machines.

A scenario with a ``grid`` times a whole ``GridSearchCV`` (min-max scaler
pipeline, same grid and folds for both) instead of a single fit.  The
``(256, 256)`` rows also print the achieved GFLOP/s and how close the fit
comes to a bare numpy GEMM loop of the same shapes, and, when PyTorch is
importable, rows marked ``torch`` are also timed against an equivalent
``torch.nn.Sequential`` trained on CPU (PyTorch is never a dependency).

Usage::

    python benchmarks/bench_vs_mlp.py [--repeats N] [--only NAME ...]
                                      [--quick] [--json PATH] [--no-torch]
"""

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_diabetes, load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, ParameterGrid
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

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
    # GridSearchCV parameter grid (keys "model__..."): if given, the timed
    # callable is the search over Pipeline([MinMaxScaler, model]) with `cv`
    # folds (and the refit of the best candidate), not a single fit
    grid: dict | None = None
    cv: int = 5
    flops: bool = False  # report GFLOP/s and the GEMM-only bound of our fit
    torch: bool = False  # also time an equivalent PyTorch CPU network


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


def _diabetes(quick):
    return load_diabetes(return_X_y=True)


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
# the grid of examples/plot_grid_search.py: 3 x 2 = 6 candidates
GRID = {
    "model__learning_rate_init": [1e-3, 1e-2],
    "model__hidden_layer_sizes": [(16,), (64,), (32, 16)],
}
SCENARIOS = [
    Scenario(
        "tiny-fullbatch", 0.10, "reg", _tiny, TINY, quick_params={"max_iter": 500}
    ),
    Scenario(
        "reg-adam",
        0.35,
        "reg",
        _regression(20000, 50),
        {**ADAM, "batch_size": 200, "max_iter": 10},
        quick_params={"max_iter": 3},
        torch=True,
    ),
    Scenario(
        "digits-adam",
        0.5,
        "clf",
        _digits,
        {**ADAM, "max_iter": 50},
        quick_params={"max_iter": 10},
    ),
    Scenario(
        "big-sgd-f64",
        0.65,
        "reg",
        _regression(30000, 100),
        BIG,
        repeats=3,
        quick_params={"max_iter": 1},
        flops=True,
        torch=True,
    ),
    Scenario(
        "big-sgd-f32",
        0.4,
        "reg",
        _regression(30000, 100, np.float32),
        BIG,
        repeats=3,
        quick_params={"max_iter": 1},
        flops=True,
        torch=True,
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
        flops=True,
        torch=True,
    ),
    # one epoch: what a fit costs beyond its epochs shows here
    Scenario(
        "big-sgd-f64-1epoch",
        0.9,
        "reg",
        _regression(30000, 100),
        {**BIG, "max_iter": 1},
        repeats=5,
        flops=True,
        torch=True,
    ),
    # a model-selection workload: 6 candidates x 5 folds + the refit = 31 fits
    # of a few hundred rows each, where per-fit and per-batch overheads rule
    Scenario(
        "search-diabetes",
        0.28,
        "reg",
        _diabetes,
        {"solver": "adam", "max_iter": 100},
        repeats=3,
        quick_params={"max_iter": 20},
        grid=GRID,
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


def make_fitter(sc, cls, params):
    """What a scenario times: ``cls(**params)``, or for a scenario with a grid
    the ``GridSearchCV`` of a min-max scaled pipeline around it (what
    ``skbackprop.make_scaled_pipeline`` builds, spelled out so that sklearn,
    the current and a baseline skbackprop get exactly the same object)."""
    model = cls(**params)
    if sc.grid is None:
        return model
    pipe = Pipeline([("scale", MinMaxScaler()), ("model", model)])
    return GridSearchCV(pipe, sc.grid, cv=sc.cv)


def fitted_model(est):
    """The fitted network: the estimator itself or the search's refit model."""
    if isinstance(est, GridSearchCV):
        return est.best_estimator_[-1]
    return est


def final_loss(est):
    return float(fitted_model(est).loss_)


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
    n_iter = fitted_model(est).n_iter_
    assert n_iter == max_iter, (type(est).__name__, n_iter, max_iter)
    return elapsed


def scenario_params(sc, quick):
    return {
        **sc.params,
        **(sc.quick_params if quick else {}),
        **NEVER_STOP,
        "random_state": 0,
    }


def interleaved(makers, X, y, max_iter, repeats):
    """Fit every contestant once per round, rotating who goes first (with two:
    a, b / b, a / ...). Returns the times per contestant and the last losses."""
    names = list(makers)
    times = {name: [] for name in names}
    losses = {}
    for i in range(repeats):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            est = makers[name]()
            times[name].append(timed_fit(est, X, y, max_iter))
            losses[name] = final_loss(est)
    return times, losses


def run_scenario(sc, repeats, quick, ours_classes, torch_module=None):
    X, y = sc.data(quick)
    params = scenario_params(sc, quick)
    sk_cls = MLPRegressor if sc.kind == "reg" else MLPClassifier
    our_cls = ours_classes[0] if sc.kind == "reg" else ours_classes[1]
    make = {
        "sk": lambda: make_fitter(sc, sk_cls, params),
        "ours": lambda: make_fitter(sc, our_cls, params),
    }
    # Untimed warm-up of both (first-call overheads, page faults, caches).
    warm = {**params, "max_iter": 1}
    for cls in (sk_cls, our_cls):
        timed_fit(make_fitter(sc, cls, warm), X, y, 1)

    times, losses = interleaved(make, X, y, params["max_iter"], repeats)
    ratios = [o / s for o, s in zip(times["ours"], times["sk"])]
    ratio = statistics.median(ratios)
    row = {
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
    if sc.grid is not None:
        n_candidates = len(list(ParameterGrid(sc.grid)))
        row["search_fits"] = n_candidates * sc.cv + 1  # + the refit
    if sc.flops:
        row["flops"] = flop_report(X, y, params, row, max(3, repeats))
    if sc.torch and torch_module is not None and sc.grid is None:
        row["torch"] = torch_report(
            torch_module, sc.kind, X, y, params, our_cls, repeats
        )
    return row


# --------------------------------------------------------------------------
# GFLOP/s and the GEMM-only bound


def layer_units(X, y, params):
    hidden = params["hidden_layer_sizes"]
    hidden = [hidden] if np.isscalar(hidden) else list(hidden)
    n_out = 1 if y.ndim == 1 else y.shape[1]  # regression rows only
    return [X.shape[1], *hidden, n_out]


def epoch_gemm_flops(n_samples, units):
    """Multiply-add flops (2 per product) of one epoch's weight GEMMs.

    Per sample and layer: forward ``a @ W`` and the weight gradient
    ``a.T @ delta`` cost 2 * fan_in * fan_out each, the delta propagation
    ``delta @ W.T`` as much again except for the first layer, whose input
    delta nobody needs. Bias additions, intercept gradients and activations
    are not counted. The total only depends on the number of rows, not on
    how they are cut into batches."""
    pairs = list(zip(units[:-1], units[1:]))
    per_sample = sum(2 * 2 * fi * fo for fi, fo in pairs)  # forward + dW
    per_sample += sum(2 * fi * fo for fi, fo in pairs[1:])  # deltas below
    return n_samples * per_sample


def gemm_epoch(X, units, batch_size, rng=None):
    """A callable running one epoch of exactly the fit's weight GEMMs: for
    every batch (contiguous slices of X, the last one shorter) the forward
    products, the weight gradients and the deltas except the input layer's,
    into preallocated ``out=`` buffers, in X's dtype (``np.dot`` like the
    engine). No activations, bias, loss or update: a lower bound on a fit."""
    rng = rng or np.random.default_rng(0)
    n, dtype = X.shape[0], X.dtype
    pairs = list(zip(units[:-1], units[1:]))
    W = [
        (rng.standard_normal((fi, fo)) / np.sqrt(fi)).astype(dtype) for fi, fo in pairs
    ]
    WT = [w.T for w in W]
    dW = [np.empty_like(w) for w in W]
    bufs = {}  # per distinct batch length: activations and deltas
    for b in {min(batch_size, n), n % batch_size or min(batch_size, n)}:
        z = [np.empty((b, fo), dtype) for _, fo in pairs]
        d = [(0.01 * rng.standard_normal((b, fo))).astype(dtype) for _, fo in pairs]
        bufs[b] = (z, d)
    slices = [slice(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
    dot, L = np.dot, len(pairs)

    def run():
        for sl in slices:
            xb = X[sl]
            z, d = bufs[xb.shape[0]]
            a = xb
            for l in range(L):
                dot(a, W[l], out=z[l])
                a = z[l]
            for l in range(L - 1, -1, -1):
                below = z[l - 1] if l else xb
                dot(below.T, d[l], out=dW[l])
                if l:
                    dot(d[l], WT[l], out=d[l - 1])

    return run


def flop_report(X, y, params, row, repeats):
    units = layer_units(X, y, params)
    batch = min(params["batch_size"], X.shape[0])
    epochs = params["max_iter"]
    flops = epochs * epoch_gemm_flops(X.shape[0], units)
    run = gemm_epoch(np.ascontiguousarray(X), units, batch)
    run()  # warm-up
    epoch_times = []
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            run()
            epoch_times.append(time.perf_counter() - t0)
        finally:
            gc.enable()
    gemm_s = epochs * statistics.median(epoch_times)
    return {
        "units": units,
        "gflop_per_fit": flops / 1e9,
        "sk_gflops": flops / row["sk_median_s"] / 1e9,
        "ours_gflops": flops / row["ours_median_s"] / 1e9,
        "gemm_only_s": gemm_s,
        "gemm_only_gflops": flops / gemm_s / 1e9,
        "gemm_over_ours": gemm_s / row["ours_median_s"],
    }


# --------------------------------------------------------------------------
# PyTorch on CPU (optional; torch is imported only here)


def load_torch():
    """The torch module, or None (with one line saying so) if unavailable."""
    try:
        import torch
    except ImportError:
        print("PyTorch comparison skipped: torch is not importable")
        return None
    threads = blas_threads()
    torch.set_num_threads(threads)
    print(
        f"PyTorch {torch.__version__} on CPU, torch.set_num_threads({threads}) "
        "(the BLAS thread count)"
    )
    return torch


def blas_threads():
    """Threads of the BLAS numpy uses (the one both MLPs run on)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return os.cpu_count() or 1
    blas = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    blas.sort(key=lambda lib: "numpy" not in lib.get("filepath", ""))
    return int(blas[0]["num_threads"]) if blas else os.cpu_count() or 1


class TorchMLP:
    """The network sklearn's MLP trains, as a plain ``torch.nn.Sequential``.

    Linear layers with the hidden activation between them (identity output),
    sklearn's Glorot-uniform initialisation, ``0.5 * MSELoss`` (sklearn's
    squared error, so ``loss_`` compares) or ``CrossEntropyLoss``, the same
    optimiser (SGD with momentum/Nesterov or Adam with the same lr, betas and
    eps), the L2 penalty as weight decay ``alpha / batch_size`` on the weights
    only (sklearn's gradient term), the same batch size, shuffling every
    epoch, exactly ``max_iter`` epochs. ``fit`` includes building the model,
    like sklearn's."""

    def __init__(self, torch, kind, params):
        self.torch, self.kind, self.params = torch, kind, params

    def fit(self, X, y):
        torch, p = self.torch, self.params
        nn = torch.nn
        gen = torch.Generator().manual_seed(p.get("random_state", 0))
        Xt = torch.from_numpy(np.ascontiguousarray(X))
        if self.kind == "reg":
            yt = torch.from_numpy(np.ascontiguousarray(y.reshape(len(y), -1)))
            n_out = yt.shape[1]
            mse = nn.MSELoss()

            def loss_fn(out, target):
                return 0.5 * mse(out, target)
        else:
            classes, codes = np.unique(y, return_inverse=True)
            yt = torch.from_numpy(codes.astype(np.int64))
            n_out = len(classes)
            loss_fn = nn.CrossEntropyLoss()
        hidden = p.get("hidden_layer_sizes", (100,))
        hidden = [hidden] if np.isscalar(hidden) else list(hidden)
        units = [X.shape[1], *hidden, n_out]
        activation = p.get("activation", "relu")
        act = {
            "relu": nn.ReLU,
            "logistic": nn.Sigmoid,
            "tanh": nn.Tanh,
            "identity": nn.Identity,
        }[activation]
        factor = 2.0 if activation == "logistic" else 6.0
        layers = []
        for i, (fi, fo) in enumerate(zip(units[:-1], units[1:])):
            lin = nn.Linear(fi, fo, dtype=Xt.dtype)
            bound = float(np.sqrt(factor / (fi + fo)))
            with torch.no_grad():
                lin.weight.uniform_(-bound, bound, generator=gen)
                lin.bias.uniform_(-bound, bound, generator=gen)
            layers.append(lin)
            if i < len(units) - 2:
                layers.append(act())
        model = nn.Sequential(*layers)

        n = Xt.shape[0]
        batch = p.get("batch_size", "auto")
        batch = min(200 if batch == "auto" else batch, n)  # sklearn's rule
        decay = p.get("alpha", 1e-4) / batch
        weights = [m.weight for m in model if isinstance(m, nn.Linear)]
        biases = [m.bias for m in model if isinstance(m, nn.Linear)]
        groups = [
            {"params": weights, "weight_decay": decay},
            {"params": biases, "weight_decay": 0.0},
        ]
        lr = p.get("learning_rate_init", 1e-3)
        if p.get("solver", "adam") == "adam":
            opt = torch.optim.Adam(
                groups,
                lr=lr,
                betas=(p.get("beta_1", 0.9), p.get("beta_2", 0.999)),
                eps=p.get("epsilon", 1e-8),
            )
        elif p["solver"] == "sgd":
            momentum = p.get("momentum", 0.9)
            opt = torch.optim.SGD(
                groups,
                lr=lr,
                momentum=momentum,
                nesterov=bool(p.get("nesterovs_momentum", True) and momentum > 0),
            )
        else:
            raise ValueError(f"no torch equivalent for solver={p['solver']!r}")
        if p.get("learning_rate", "constant") != "constant":
            raise ValueError("only learning_rate='constant' is mirrored in torch")

        shuffle = p.get("shuffle", True)
        for _ in range(p["max_iter"]):
            order = torch.randperm(n, generator=gen) if shuffle else None
            total = 0.0
            for start in range(0, n, batch):
                if order is None:
                    xb, yb = Xt[start : start + batch], yt[start : start + batch]
                else:
                    idx = order[start : start + batch]
                    xb, yb = Xt[idx], yt[idx]
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
                total += loss.item() * xb.shape[0]
        self.loss_ = total / n  # last epoch's mean loss, without the penalty
        self.n_iter_ = p["max_iter"]
        self.model_ = model
        return self


def torch_report(torch, kind, X, y, params, our_cls, repeats):
    """Interleaved (ours, torch) pairs on the same arrays and parameters."""
    timed_fit(TorchMLP(torch, kind, {**params, "max_iter": 1}), X, y, 1)  # warm
    make = {
        "ours": lambda: our_cls(**params),
        "torch": lambda: TorchMLP(torch, kind, params),
    }
    times, losses = interleaved(make, X, y, params["max_iter"], repeats)
    ratios = [o / t for o, t in zip(times["ours"], times["torch"])]
    return {
        "threads": torch.get_num_threads(),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "ours_median_s": statistics.median(times["ours"]),
        "torch_median_s": statistics.median(times["torch"]),
        "ours_loss": losses["ours"],
        "torch_loss": losses["torch"],
        "ratios": ratios,
    }


# --------------------------------------------------------------------------
# output


def print_table(rows):
    header = (
        f"{'scenario':<18} {'X':>12} {'dtype':>7} {'iters':>5} {'pairs':>5} "
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
            f"{r['name']:<18} {shape:>12} {r['dtype']:>7} {r['max_iter']:>5} "
            f"{r['pairs']:>5} {r['sk_median_s']:>9.4f} {r['ours_median_s']:>10.4f} "
            f"{r['ratio']:>6.3f} {spread:>13} {target:>7} "
            f"{r['status']:>6}  {r['sk_loss']:.4g} / {r['ours_loss']:.4g}"
        )
    searches = [r for r in rows if "search_fits" in r]
    for r in searches:
        print(
            f"  {r['name']}: times are whole GridSearchCV.fit calls "
            f"({r['search_fits']} fits incl. the refit); loss = the refit model's"
        )


def print_flops(rows):
    rows = [r for r in rows if "flops" in r]
    if not rows:
        return
    print(
        "\nGEMM throughput (weight GEMMs of forward + backward, no input-layer "
        "delta; same flop count for all columns)"
    )
    header = (
        f"{'scenario':<18} {'layers':<18} {'GFLOP/fit':>9} {'sk GF/s':>8} "
        f"{'ours GF/s':>9} {'GEMM-only GF/s':>14} {'GEMM-only/ours':>14}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        f = r["flops"]
        print(
            f"{r['name']:<18} {'-'.join(map(str, f['units'])):<18} "
            f"{f['gflop_per_fit']:>9.2f} {f['sk_gflops']:>8.1f} "
            f"{f['ours_gflops']:>9.1f} {f['gemm_only_gflops']:>14.1f} "
            f"{f['gemm_over_ours']:>14.2f}"
        )
    print(
        "GEMM-only/ours = time of a bare numpy loop doing just those matmuls "
        "(out= buffers, same dtype, batches, epochs) / our median fit time: "
        "the fraction of our fit spent at GEMM speed (1.00 = nothing but GEMM)"
    )


def print_torch(rows):
    rows = [r for r in rows if "torch" in r]
    if not rows:
        return
    print("\nPyTorch CPU (torch.nn.Sequential, same optimiser/batches/epochs)")
    header = (
        f"{'scenario':<18} {'threads':>7} {'pairs':>5} {'torch med s':>11} "
        f"{'ours med s':>10} {'ours/torch':>10} {'[min-max]':>13}  "
        f"{'loss torch / ours':<20}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        t = r["torch"]
        spread = f"[{t['ratio_min']:.2f}-{t['ratio_max']:.2f}]"
        print(
            f"{r['name']:<18} {t['threads']:>7} {len(t['ratios']):>5} "
            f"{t['torch_median_s']:>11.4f} {t['ours_median_s']:>10.4f} "
            f"{t['ratio']:>10.3f} {spread:>13}  "
            f"{t['torch_loss']:.4g} / {t['ours_loss']:.4g}"
        )
    print(
        "ours/torch = median over interleaved (ours, torch) pairs of our fit "
        "time / torch's training loop time; lower is better"
    )


def main(argv=None):
    names = [sc.name for sc in SCENARIOS]
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="interleaved (sklearn, skbackprop) pairs per scenario, also used "
        "for the (skbackprop, torch) pairs (default 5; 3 for the big-sgd "
        "scenarios and the grid search; 2 with --quick)",
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
        "--no-torch",
        action="store_true",
        help="skip the PyTorch comparison even if torch is importable",
    )
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
    selected = [sc for sc in SCENARIOS if not args.only or sc.name in args.only]
    torch_module = None
    if not args.no_torch and any(sc.torch for sc in selected):
        torch_module = load_torch()
    print()

    rows = []
    for sc in selected:
        repeats = args.repeats or (2 if args.quick else sc.repeats)
        print(f"running {sc.name} ({repeats} pairs) ...", file=sys.stderr, flush=True)
        rows.append(run_scenario(sc, repeats, args.quick, ours, torch_module))

    print(
        "median ratio = median over pairs of (skbackprop time / sklearn time); "
        "lower is better"
    )
    print_table(rows)
    n_pass = sum(r["status"] == "PASS" for r in rows)
    print(f"\n{n_pass}/{len(rows)} scenarios meet their target")
    print_flops(rows)
    print_torch(rows)
    if args.json:
        meta = {
            "numpy": np.__version__,
            "sklearn": sklearn.__version__,
            "ours": ours_name,
            "blas": blas_info(),
            "quick": args.quick,
            "torch": getattr(torch_module, "__version__", None),
        }
        Path(args.json).write_text(
            json.dumps({"meta": meta, "results": rows}, indent=2)
        )
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
