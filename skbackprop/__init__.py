"""skbackprop: multi-layer perceptrons trained by backpropagation, for scikit-learn."""

from ._gradient_check import check_gradients
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
    "check_gradients",
    "__version__",
]
