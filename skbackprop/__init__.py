"""skbackprop: multi-layer perceptrons trained by backpropagation, for scikit-learn."""

from ._multilayer_perceptron import (
    BackpropClassifier,
    BackpropRegressor,
    DivergenceWarning,
)

__version__ = "0.1.0"

__all__ = [
    "BackpropClassifier",
    "BackpropRegressor",
    "DivergenceWarning",
    "__version__",
]
