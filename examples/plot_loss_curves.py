"""
=====================================
Loss curves with LossCurveDisplay
=====================================

:class:`skbackprop.plotting.LossCurveDisplay` draws the training loss per
epoch of a fitted network (its ``loss_curve_``) and, for skbackprop's
estimators fitted with ``early_stopping=True``, the loss on the held-out
validation set (``validation_loss_curve_``) as a dashed line.

It accepts skbackprop's and scikit-learn's MLPs alike, as well as pipelines
and :class:`~sklearn.compose.TransformedTargetRegressor` around them.
"""

# %%
# Training and validation loss of one network
# -------------------------------------------
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from skbackprop import BackpropRegressor
from skbackprop.pipeline import make_scaled_pipeline
from skbackprop.plotting import LossCurveDisplay

warnings.simplefilter("ignore", ConvergenceWarning)
X, y = load_diabetes(return_X_y=True)

# ``scale_target=True`` trains on targets scaled to [0, 1], so the loss is on
# a comparable scale whatever the units of y
early = make_scaled_pipeline(
    BackpropRegressor(
        hidden_layer_sizes=(32,),
        learning_rate_init=0.01,
        max_iter=500,
        early_stopping=True,
        n_iter_no_change=20,
        random_state=0,
    ),
    scale_target=True,
).fit(X, y)
display = LossCurveDisplay.from_estimator(early, log_scale=True)
display.ax_.set_title("Early stopping: training stops once validation loss stalls")
print(f"stopped after {len(display.loss_curve)} epochs")

# %%
# Comparing estimators on one axes
# --------------------------------
# Pass the same ``ax`` to draw several models together. scikit-learn's
# ``MLPRegressor`` records no validation loss, so only its training curve is
# drawn. With the same seed both follow the same path, hence the wide,
# translucent line for skbackprop under the thin one for scikit-learn.
fig, ax = plt.subplots(layout="constrained")
for estimator, style in [
    (BackpropRegressor(random_state=0), {"linewidth": 4, "alpha": 0.5}),
    (MLPRegressor(random_state=0), {"linewidth": 1.5}),
]:
    estimator.set_params(
        hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=200
    )
    model = make_scaled_pipeline(estimator).fit(X, y)
    LossCurveDisplay.from_estimator(model, ax=ax, log_scale=True, **style)
ax.set_title("Training loss on diabetes")
plt.show()
