"""
=====================================
Distributed grid search with Dask
=====================================

:class:`~sklearn.model_selection.GridSearchCV` runs its candidates through
joblib, and joblib can hand them to a `Dask <https://www.dask.org>`_ cluster:
inside ``joblib.parallel_config(backend="dask")`` every fit of the search is a
Dask task, run by the cluster's workers. The estimators are pickled (with
cloudpickle) to the workers and the fitted models come back the same way.

This script starts a local cluster of two worker processes on the loopback
interface; to use a real cluster, connect the
:class:`~distributed.Client` to its scheduler's address instead. It needs the
``distributed`` extra::

    pip install "skbackprop[distributed]"
    python examples/distributed_grid_search.py

(The documentation shows this script but does not run it.)
"""

import time
import warnings

import joblib
from distributed import Client, LocalCluster
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skbackprop import BackpropRegressor
from skbackprop.pipeline import make_scaled_pipeline

param_grid = {
    "model__hidden_layer_sizes": [(16,), (32,), (32, 16)],
    "model__learning_rate_init": [1e-3, 1e-2],
    "model__alpha": [1e-4, 1e-2],
}


def main():
    X, y = load_diabetes(return_X_y=True)
    search = GridSearchCV(
        make_scaled_pipeline(BackpropRegressor(max_iter=300, random_state=0)),
        param_grid,
        cv=3,
        n_jobs=-1,
    )
    # worker processes must not bind to anything but the loopback interface;
    # dashboard_address=None disables the web dashboard
    with (
        LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        print(f"Dask cluster: {len(client.scheduler_info()['workers'])} workers")
        start = time.perf_counter()
        with warnings.catch_warnings():
            # the workers fit with max_iter=300; some candidates stop before
            # converging, which is expected in a grid search
            warnings.simplefilter("ignore", ConvergenceWarning)
            with joblib.parallel_config(backend="dask"):
                search.fit(X, y)
        elapsed = time.perf_counter() - start

    n_candidates = len(search.cv_results_["params"])
    print(f"{n_candidates} candidates x 3 folds in {elapsed:.1f} s")
    print("best parameters:", search.best_params_)
    print(f"best CV R^2: {search.best_score_:.4f}")


# Worker processes are started with "spawn": the guard keeps them from
# running the search again when they import this file.
if __name__ == "__main__":
    main()
