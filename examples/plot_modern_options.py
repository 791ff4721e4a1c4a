"""
==========================================================
Activations, dropout, quantiles and schedules side by side
==========================================================

The same engine trains every option below; none of them exists in
scikit-learn's MLP. A noisy one-dimensional problem whose noise grows with
``x`` is trained three ways, and a small linear problem a fourth:

* with different hidden activations, one name for all layers or one per
  layer (``activation=("gelu", "tanh")``);
* with and without dropout on a small, noisy linear problem with many
  features, where dropout trades the fit of the training points for a
  better one of new points;
* with the quantile loss at 0.1, 0.5 and 0.9: a band meant to hold 80% of
  the held-out targets, wider where the noise is;
* with Adam at a constant rate and with a warm-up followed by a cosine decay
  (``learning_rate="cosine"``, ``warmup_epochs``), both with the gradient
  clipped to a norm of 1 (``max_grad_norm``).
"""

# %%
# The data
# --------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skbackprop import BackpropRegressor

warnings.simplefilter("ignore", ConvergenceWarning)
rng = np.random.RandomState(0)


def sample(n):
    x = rng.uniform(-1, 1, size=(n, 1))
    noise = (0.1 + 0.3 * (x[:, 0] + 1) / 2) * rng.normal(size=n)
    return x, np.sin(3 * x[:, 0]) + noise


X, y = sample(400)
X_test, y_test = sample(2000)
grid = np.linspace(-1, 1, 300).reshape(-1, 1)
fig, axes = plt.subplots(2, 2, figsize=(10, 8), layout="constrained")

# %%
# Hidden activations
# ------------------
ax = axes[0, 0]
ax.scatter(X[:, 0], y, s=4, c="0.7")
for activation in ["relu", "tanh", "gelu", "softplus", ("gelu", "tanh")]:
    reg = BackpropRegressor(
        hidden_layer_sizes=(32, 32),
        activation=activation,
        learning_rate_init=0.01,
        max_iter=300,
        random_state=0,
    ).fit(X, y)
    r2 = reg.score(X_test, y_test)
    ax.plot(grid[:, 0], reg.predict(grid), label=f"{activation}: R² {r2:.3f}")
    print(f"activation={activation!r}: held-out R2 = {r2:.3f}")
ax.set_title("activation")
ax.legend(fontsize=8)

# %%
# Dropout
# -------
# Forty samples of a noisy linear problem with forty features: a wide network
# interpolates the training set and predicts new points badly. Dropping
# hidden units while training (for a linear network, a penalty on the
# weights that depends on the data) gives a much better fit of new points.
ax = axes[0, 1]
gen = np.random.default_rng(3)
w = gen.normal(size=40) / np.sqrt(40)
X_lin = gen.normal(size=(1040, 40))
y_lin = X_lin @ w + 0.5 * gen.normal(size=1040)
rates = [0.0, 0.2, 0.5]
scores = []
for dropout in rates:
    reg = BackpropRegressor(
        hidden_layer_sizes=(100,),
        activation="identity",
        dropout=dropout,
        alpha=0.0,
        batch_size=10,
        learning_rate="cosine",
        learning_rate_init=0.01,
        max_iter=150,
        n_iter_no_change=1000,
        random_state=3,
    ).fit(X_lin[:40], y_lin[:40])
    scores.append(reg.score(X_lin[40:], y_lin[40:]))
    print(f"dropout={dropout}: held-out R2 = {scores[-1]:.3f}")
ax.bar([str(r) for r in rates], scores, color="tab:green")
ax.axhline(0, color="k", lw=0.5)
ax.set_xlabel("dropout")
ax.set_ylabel("held-out R²")
ax.set_title("dropout against overfitting")

# %%
# Quantiles
# ---------
ax = axes[1, 0]
ax.scatter(X[:, 0], y, s=4, c="0.7")
bands = {}
for q in [0.1, 0.5, 0.9]:
    reg = BackpropRegressor(
        hidden_layer_sizes=(32, 32),
        loss="quantile",
        quantile=q,
        learning_rate_init=0.01,
        max_iter=500,
        random_state=0,
    ).fit(X, y)
    bands[q] = reg.predict(X_test)
    ax.plot(grid[:, 0], reg.predict(grid), label=f"quantile={q}")
inside = np.mean((bands[0.1] <= y_test) & (y_test <= bands[0.9]))
print(f"share of held-out targets between the 0.1 and 0.9 quantiles: {inside:.2f}")
ax.set_title(f"quantile loss: {inside:.0%} of new targets in the band")
ax.legend(fontsize=8)

# %%
# Schedules and clipping
# ----------------------
ax = axes[1, 1]
for learning_rate, warmup in [("constant", 0), ("cosine", 10)]:
    reg = BackpropRegressor(
        hidden_layer_sizes=(32, 32),
        learning_rate=learning_rate,
        warmup_epochs=warmup,
        learning_rate_init=0.03,
        max_grad_norm=1.0,
        n_iter_no_change=1000,
        max_iter=150,
        random_state=0,
    ).fit(X, y)
    label = f"{learning_rate}, warmup_epochs={warmup}"
    ax.plot(reg.loss_curve_, label=label)
    print(f"{label}: final training loss {reg.loss_:.4f}")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_title("Adam with a schedule (loss_curve_)")
ax.legend(fontsize=8)
plt.show()
