"""
==========================================================
Training on data larger than memory with Dask and dask-ml
==========================================================

:class:`dask_ml.wrappers.Incremental` trains an estimator that has
``partial_fit`` on a chunked :class:`dask.array.Array`: it calls
``partial_fit`` once per block, one block after the other, so that only one
block needs to be in memory at a time (on whichever worker holds it). One
``fit`` or ``partial_fit`` of the wrapper is one pass over the data; calling
``partial_fit`` again trains one more epoch, continuing from the fitted
model. :class:`dask_ml.wrappers.ParallelPostFit` then predicts block by
block, in parallel, and returns a lazy dask array.

The data here are generated lazily by dask (100 000 rows in 10 blocks); real
data would come from files, e.g. ``dask.array.from_zarr(...)`` or
``dask.dataframe.read_parquet(...).to_dask_array(lengths=True)``, chunked
along the rows only. The inputs are standardised by dask-ml's
:class:`~dask_ml.preprocessing.StandardScaler`, which needs one pass over the
data to fit and transforms lazily.

This script starts a local cluster of two worker processes on the loopback
interface; to use a real cluster, connect the :class:`~distributed.Client`
to its scheduler's address instead. It needs the ``distributed`` extra::

    pip install "skbackprop[distributed]"
    python examples/incremental_dask.py

(The documentation shows this script but does not run it.)
"""

import time

import dask.array as da
import numpy as np
from dask_ml.preprocessing import StandardScaler
from dask_ml.wrappers import Incremental, ParallelPostFit
from distributed import Client, LocalCluster

from skbackprop import BackpropRegressor

N_SAMPLES = 100_000
BLOCK = 10_000  # rows per block: 10 blocks of 10 000 x 8
N_FEATURES = 8
N_EPOCHS = 3


def make_data(seed, n_samples):
    """A lazy regression problem: nothing is computed until it is used."""
    rng = da.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n_samples, N_FEATURES), chunks=(BLOCK, N_FEATURES))
    noise = rng.normal(0, 0.1, size=n_samples, chunks=BLOCK)
    y = da.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * X[:, 3] ** 2 + noise
    return X, y


def r2(y, y_pred):
    """R² of dask arrays, reduced block by block.

    (Incremental's own ``score`` would use ``dask_ml.metrics.r2_score``, which
    fails with dask-ml 2025.1 on current dask; see the user guide.)
    """
    residual = ((y - y_pred) ** 2).sum()
    total = ((y - y.mean()) ** 2).sum()
    return float((1 - residual / total).compute())


def main():
    X_train, y_train = make_data(0, N_SAMPLES)
    X_test, y_test = make_data(1, N_SAMPLES // 10)

    with (
        LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",  # loopback only
            dashboard_address=None,  # no web dashboard
        ) as cluster,
        Client(cluster) as client,
    ):
        print(f"Dask cluster: {len(client.scheduler_info()['workers'])} workers")
        scaler = StandardScaler().fit(X_train)  # one pass: means and variances
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

        model = Incremental(
            BackpropRegressor(
                hidden_layer_sizes=(32, 16),
                batch_size=256,
                learning_rate_init=3e-3,
                random_state=0,
            ),
            # visit the blocks in a new random order every epoch, reproducibly
            shuffle_blocks=True,
            random_state=np.random.RandomState(0),
        )
        for epoch in range(1, N_EPOCHS + 1):
            start = time.perf_counter()
            model.partial_fit(X_train, y_train)  # one pass over the 10 blocks
            elapsed = time.perf_counter() - start
            score = r2(y_test, model.predict(X_test))
            print(f"epoch {epoch}: held-out R^2 {score:.4f} ({elapsed:.1f} s)")

        # any fitted estimator predicts on a dask array with ParallelPostFit:
        # lazily, one task per block
        X_new, _ = make_data(2, N_SAMPLES)
        y_new = ParallelPostFit(model.estimator_).predict(scaler.transform(X_new))
        print(
            f"predicted {y_new.shape[0]} rows in {y_new.numblocks[0]} blocks, "
            f"mean prediction {float(y_new.mean().compute()):.4f}"
        )
    fitted = model.estimator_
    print(f"{fitted.t_} training samples seen, final training loss {fitted.loss_:.4f}")


# Worker processes are started with "spawn": the guard keeps them from
# running the training again when they import this file.
if __name__ == "__main__":
    main()
