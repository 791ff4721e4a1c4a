"""
=========================================
Grid search versus gradient descent
=========================================

Training a network means finding weights that make the cost small. With only
two weights the cost can be drawn as a surface over the weight plane, and two
strategies can be compared on it:

* **grid search** evaluates the cost at every point of a fixed grid and keeps
  the best one;
* **gradient descent** starts somewhere and repeatedly steps against the
  gradient, which backpropagation computes.

We use the lecture's data (sleep and study hours against test scores, scaled
to [0, 1]) with the smallest possible network: no hidden layer, no bias, and a
sigmoid output, ``y_hat = sigmoid(w1 * x1 + w2 * x2)``. Its two weights are
``coefs_[0][0, 0]`` and ``coefs_[0][1, 0]``.
"""

# %%
# The cost over the weight plane
# ------------------------------
# ``J(w1, w2) = 1/2 sum_n (y_n - y_hat_n)**2``, evaluated on a fine grid for
# the picture.
import matplotlib.pyplot as plt
import numpy as np

from skbackprop import BackpropRegressor

x = np.array([[3.0, 5.0], [5.0, 1.0], [10.0, 2.0]])
X = x / x.max(axis=0)
y = np.array([75.0, 82.0, 93.0]) / 100.0
n_samples = X.shape[0]


def cost(w1, w2):
    """Summed cost at weights ``w1``, ``w2`` (scalars or arrays of any shape)."""
    z = np.multiply.outer(X[:, 0], w1) + np.multiply.outer(X[:, 1], w2)
    y_hat = 1.0 / (1.0 + np.exp(-z))
    residual = y.reshape((-1,) + (1,) * np.ndim(w1)) - y_hat
    return 0.5 * np.sum(residual**2, axis=0)


w1_axis = np.linspace(-2.0, 5.0, 281)
w2_axis = np.linspace(-3.0, 4.0, 281)
W1, W2 = np.meshgrid(w1_axis, w2_axis)
J = cost(W1, W2)

# %%
# Grid search
# -----------
# A coarse grid from -1 to 1 in steps of 0.1 per weight needs 21 * 21 = 441
# cost evaluations. Its best point is the corner (1, 1): the true minimum lies
# outside the box, and a grid only finds what it contains.
grid = np.round(np.arange(-1.0, 1.05, 0.1), 1)
G1, G2 = np.meshgrid(grid, grid)
J_grid = cost(G1, G2)
best = np.unravel_index(np.argmin(J_grid), J_grid.shape)
print(
    f"grid search: {J_grid.size} evaluations, best (w1, w2) = "
    f"({G1[best]:.1f}, {G2[best]:.1f}), J = {J_grid[best]:.5f}"
)

# %%
# Gradient descent with the estimator
# -----------------------------------
# Full-batch descent without momentum; a callable ``init`` sets the starting
# point and every ``partial_fit`` call is one step, so the path can be
# recorded from ``coefs_``. The learning rate applies to the mean cost
# ``J / N``.
start = np.array([[-1.5], [2.5]])
est = BackpropRegressor(
    hidden_layer_sizes=(),
    out_activation="logistic",
    fit_intercept=False,
    solver="sgd",
    batch_size=n_samples,
    momentum=0.0,
    alpha=0.0,
    learning_rate_init=30.0,
    shuffle=False,
    init=lambda rng, fan_in, fan_out: start.copy(),
)
path = [start.ravel()]
for _ in range(150):
    est.partial_fit(X, y)
    path.append(est.coefs_[0].ravel().copy())
path = np.array(path)
w_end = path[-1]
print(
    f"gradient descent: {len(path) - 1} gradient evaluations, (w1, w2) = "
    f"({w_end[0]:.3f}, {w_end[1]:.3f}), J = {cost(*w_end):.5f}"
)

# %%
# The descent walks downhill, across the contour lines, into the valley and
# along it to the minimum. It needs one gradient per step, whatever the
# number of weights.
fig, ax = plt.subplots(figsize=(7, 6))
contours = ax.contourf(W1, W2, np.log10(J), levels=25, cmap="viridis")
fig.colorbar(contours, ax=ax, label="log10 J")
ax.plot(G1.ravel(), G2.ravel(), ".", color="white", ms=2, label="grid points")
ax.plot(G1[best], G2[best], "s", color="orange", ms=9, label="grid search best")
ax.plot(
    path[:, 0], path[:, 1], "o-", color="red", ms=2.5, lw=1, label="gradient descent"
)
ax.plot(*path[0], "^", color="red", ms=10)
ax.plot(*w_end, "*", color="red", ms=15)
ax.set(xlabel="w1 (sleep)", ylabel="w2 (study)", title="Cost surface J(w1, w2)")
ax.legend(loc="upper right")
fig.tight_layout()

# %%
# Why grids do not scale
# ----------------------
# With 21 values per weight a grid needs ``21**d`` evaluations for ``d``
# weights. The lecture's 2-3-1 network already has 9 weights; ordinary
# networks have thousands. Gradient descent costs one forward and one
# backward pass per step, independently of ``d``.
d = np.arange(1, 10)
fig, (ax_cost, ax_count) = plt.subplots(1, 2, figsize=(10, 4))
ax_cost.semilogy(cost(path[:, 0], path[:, 1]))
ax_cost.axhline(J_grid[best], color="orange", ls="--", label="grid search best")
ax_cost.set(xlabel="gradient step", ylabel="J", title="Cost along the descent")
ax_cost.legend()
ax_count.semilogy(d, 21.0**d, "o-")
ax_count.set(
    xlabel="number of weights d",
    ylabel="cost evaluations",
    title="Size of a 21-point-per-weight grid",
)
fig.tight_layout()

plt.show()
