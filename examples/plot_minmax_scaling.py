"""
=========================================
Min-max scaling of the inputs
=========================================

Min-max scaling maps every input column linearly onto a fixed interval,

* to [0, 1]: ``(v - min) / (max - min)``;
* to [-1, 1]: ``2 (v - min) / (max - min) - 1``.

This example uses the four-sample table of the cheat sheet (two test marks
``I0``, ``I1`` and a final mark ``Z0``) and a 2-3-1 network with sigmoid hidden
and output units, and compares training on the raw marks with training on
the two scaled versions. :class:`sklearn.preprocessing.MinMaxScaler` does the
scaling (``feature_range=(-1, 1)`` for the second interval).
"""

# %%
# The data and its scaled versions
# --------------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import MinMaxScaler

from skbackprop import BackpropRegressor

table = np.array(
    [[70.0, 98.0, 91.0], [50.0, 85.0, 82.0], [65.0, 67.0, 80.0], [25.0, 95.0, 68.0]]
)
X_raw, z_raw = table[:, :2], table[:, 2]
inputs = {
    "raw": X_raw,
    "[0, 1]": MinMaxScaler().fit_transform(X_raw),
    "[-1, 1]": MinMaxScaler(feature_range=(-1, 1)).fit_transform(X_raw),
}
# The sigmoid output lives in (0, 1): the target is scaled to [0, 1] in every
# case, only the inputs change.
z = MinMaxScaler().fit_transform(z_raw.reshape(-1, 1)).ravel()

np.set_printoptions(precision=4, suppress=True)
for name, X in inputs.items():
    print(f"inputs {name}:\n{X}")
print("target scaled to [0, 1]:", z)

# %%
# For instance ``I0 = 65`` becomes ``(65 - 25) / (70 - 25) = 0.8889`` on
# [0, 1] and ``0.7778`` on [-1, 1]; ``I1 = 85`` becomes ``0.5806`` and
# ``0.1613``.
#
# Training
# --------
# Full-batch gradient descent from the same six random starts for each
# version of the inputs (weights and biases from U[-1, 1], ``init="uniform"``).
settings = dict(
    hidden_layer_sizes=(3,),
    activation="logistic",
    out_activation="logistic",
    solver="sgd",
    batch_size=len(z),
    momentum=0.0,
    alpha=0.0,
    learning_rate_init=3.0,
    max_iter=2000,
    tol=0.0,
    n_iter_no_change=10**9,
    shuffle=False,
    init="uniform",
)
curves = {name: [] for name in inputs}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for name, X in inputs.items():
        for seed in range(6):
            est = BackpropRegressor(random_state=seed, **settings).fit(X, z)
            curves[name].append(est.loss_curve_)

fig, ax = plt.subplots(figsize=(7, 4.5))
colors = {"raw": "tab:gray", "[0, 1]": "tab:blue", "[-1, 1]": "tab:orange"}
for name, runs in curves.items():
    for i, curve in enumerate(runs):
        ax.semilogy(curve, color=colors[name], lw=1, label=None if i else name)
ax.set(xlabel="epoch", ylabel="training loss", title="Effect of input scaling")
ax.legend(title="inputs")
fig.tight_layout()

# %%
# What the curves show
# --------------------
# * **Raw marks** (values near 100) drive the hidden units' weighted sums far
#   into the flat tails of the sigmoid, whose slope ``a (1 - a)`` is then
#   practically zero. The hidden weights receive almost no gradient and the
#   network can hardly do better than predict the average target, whose loss
#   is half the variance of the target (0.0635).
# * **[0, 1] inputs** keep the sums in the sensitive range and training
#   proceeds.
# * **[-1, 1] inputs** are centred on zero as well, which makes the gradient
#   directions of the different weights less correlated; descent is faster
#   for the same learning rate.
print("half the target variance:", 0.5 * z.var())
for name, runs in curves.items():
    final = np.median([curve[-1] for curve in runs])
    print(f"{name:>8}: median final loss {final:.2e}")

plt.show()
