"""Before/after benchmark of an engine change, in one run.

Loads a baseline checkout of skbackprop (for instance the commit before the
change, made with ``git worktree add /tmp/baseline HEAD~1``) under another
package name, then times, for every scenario of ``bench_vs_mlp.py``,
scikit-learn's MLP, the baseline and the current code on equal work,
interleaved in rounds whose order rotates. It prints, per scenario, the
median over rounds of baseline / sklearn, current / sklearn and current /
baseline (below 1: the change made it faster).

Usage::

    python benchmarks/bench_ab.py --baseline /tmp/baseline [--repeats N]
                                  [--only NAME ...] [--quick] [--json PATH]
"""

import argparse
import importlib.util
import json
import statistics
import sys
from pathlib import Path

from sklearn.neural_network import MLPClassifier, MLPRegressor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_vs_mlp import (  # noqa: E402
    SCENARIOS,
    blas_info,
    import_ours,
    interleaved,
    make_fitter,
    scenario_params,
    timed_fit,
)


def import_baseline(checkout):
    """The estimators of the skbackprop package in ``checkout``, imported as
    the package ``skbackprop_baseline``."""
    init = Path(checkout).resolve() / "skbackprop" / "__init__.py"
    if not init.exists():
        raise SystemExit(f"no skbackprop package in {checkout}")
    spec = importlib.util.spec_from_file_location(
        "skbackprop_baseline", init, submodule_search_locations=[str(init.parent)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["skbackprop_baseline"] = module
    spec.loader.exec_module(module)
    return module.BackpropRegressor, module.BackpropClassifier


def run_scenario(sc, repeats, quick, classes):
    """One scenario; a grid-search scenario times whole searches, built by
    ``make_fitter`` exactly as in ``bench_vs_mlp.py``."""
    X, y = sc.data(quick)
    params = scenario_params(sc, quick)
    k = 0 if sc.kind == "reg" else 1
    classes = {
        "sk": (MLPRegressor, MLPClassifier)[k],
        "base": classes["base"][k],
        "new": classes["new"][k],
    }
    for cls in classes.values():  # untimed warm-up
        timed_fit(make_fitter(sc, cls, {**params, "max_iter": 1}), X, y, 1)
    makers = {
        name: (lambda cls=cls: make_fitter(sc, cls, params))
        for name, cls in classes.items()
    }
    times, losses = interleaved(makers, X, y, params["max_iter"], repeats)

    def median_ratio(a, b):
        return statistics.median(x / y for x, y in zip(times[a], times[b]))

    return {
        "name": sc.name,
        "base_vs_sk": median_ratio("base", "sk"),
        "new_vs_sk": median_ratio("new", "sk"),
        "new_vs_base": median_ratio("new", "base"),
        "new_vs_base_min": min(n / b for n, b in zip(times["new"], times["base"])),
        "new_vs_base_max": max(n / b for n, b in zip(times["new"], times["base"])),
        "losses": losses,
        "rounds": repeats,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="checkout to compare with")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    classes = {"base": import_baseline(args.baseline), "new": import_ours()}
    print(blas_info())
    rows = []
    for sc in SCENARIOS:
        if args.only and sc.name not in args.only:
            continue
        repeats = args.repeats or (2 if args.quick else sc.repeats + 2)
        print(f"running {sc.name} ({repeats} rounds) ...", file=sys.stderr)
        rows.append(run_scenario(sc, repeats, args.quick, classes))
    print(
        f"{'scenario':<18} {'base/sk':>8} {'new/sk':>8} {'new/base':>9} "
        f"{'[min-max]':>13}  same loss"
    )
    for r in rows:
        same = r["losses"]["base"] == r["losses"]["new"]
        spread = f"[{r['new_vs_base_min']:.2f}-{r['new_vs_base_max']:.2f}]"
        print(
            f"{r['name']:<18} {r['base_vs_sk']:>8.3f} {r['new_vs_sk']:>8.3f} "
            f"{r['new_vs_base']:>9.3f} {spread:>13}  {same}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
