"""
==========================================================
Class weights, a validation set and stopping on the loss
==========================================================

Two additions to scikit-learn's MLP, side by side:

* ``class_weight="balanced"`` on an imbalanced problem: the rare class
  weighs as much as the common one in the loss, which moves the decision
  boundary towards the common class and raises the recall of the rare one;
* early stopping on a validation set passed to ``fit`` (``X_val``,
  ``y_val``), following either the accuracy (scikit-learn's rule) or the
  validation loss (``scoring="loss"``).
"""

# %%
# An imbalanced problem
# ---------------------
# One point in ten belongs to class 1. Without weights the network mostly
# predicts the common class; balanced weights trade some accuracy on class
# 0 for many more of class 1 found.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split

from skbackprop import BackpropClassifier

warnings.simplefilter("ignore", ConvergenceWarning)
X, y = make_classification(
    n_samples=800,
    n_features=2,
    n_redundant=0,
    n_clusters_per_class=1,
    weights=[0.9, 0.1],
    class_sep=0.8,
    random_state=3,
)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

grid = np.meshgrid(np.linspace(-4, 4, 200), np.linspace(-4, 4, 200))
points = np.c_[grid[0].ravel(), grid[1].ravel()]
fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True, layout="constrained")
for ax, class_weight in zip(axes, [None, "balanced"]):
    clf = BackpropClassifier(
        hidden_layer_sizes=(16,),
        max_iter=300,
        class_weight=class_weight,
        random_state=0,
    ).fit(X_train, y_train)
    proba = clf.predict_proba(points)[:, 1].reshape(grid[0].shape)
    ax.contourf(*grid, proba, levels=[0, 0.5, 1], colors=["#dde7f3", "#f6d9d2"])
    ax.scatter(*X_test.T, c=y_test, cmap="coolwarm", s=12, edgecolors="k", lw=0.3)
    recall = recall_score(y_test, clf.predict(X_test))
    ax.set_title(f"class_weight={class_weight!r}\nrecall of class 1: {recall:.2f}")
    print(f"class_weight={class_weight!r}: recall of class 1 = {recall:.2f}")

# %%
# Early stopping on a given validation set
# ----------------------------------------
# The validation set is passed to ``fit``, so the network trains on all of
# ``X_train``. Accuracy changes in steps of one validation row; the
# validation loss moves smoothly, and stopping on it keeps the weights of
# its minimum.
X, y = make_classification(n_samples=1000, n_features=20, flip_y=0.1, random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)
fig, (ax_score, ax_loss) = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
for scoring, color in [(None, "tab:blue"), ("loss", "tab:orange")]:
    clf = BackpropClassifier(
        hidden_layer_sizes=(64,),
        learning_rate_init=0.01,
        early_stopping=True,
        scoring=scoring,
        n_iter_no_change=10,
        max_iter=300,
        random_state=0,
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    label = f"scoring={scoring!r}: stopped after {clf.n_iter_} epochs"
    ax_score.plot(clf.validation_scores_, color=color, label=label)
    ax_loss.plot(clf.validation_loss_curve_, color=color, label=label)
    print(label)
ax_score.set(xlabel="epoch", ylabel="validation accuracy")
ax_loss.set(xlabel="epoch", ylabel="validation loss")
ax_loss.legend()
plt.show()
