"""Docstring fragments shared by the two estimators (numpydoc sections)."""

# Where the documentation is published (the planned address: it is not hosted
# yet). The HTML repr of the estimators links to their API pages there,
# DOCS_URL + "generated/skbackprop.BackpropRegressor.html"; pyproject.toml's
# [project.urls] Documentation is the same address.
DOCS_URL = "https://skbackprop.readthedocs.io/en/latest/"

COMMON_PARAMETERS = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(100,)
        Units of each hidden layer; ``()`` gives a network with no hidden
        layer (a generalised linear model trained by gradient descent).

    activation : str or tuple of str, default='relu'
        Activation of the hidden units, one of ``'identity'`` (``x``),
        ``'logistic'`` (``1 / (1 + exp(-x))``), ``'tanh'``, ``'relu'``
        (``max(0, x)``), ``'leaky_relu'`` (``x``, or ``0.01 x`` for ``x <
        0``), ``'elu'`` (``x``, or ``exp(x) - 1`` for ``x < 0``),
        ``'softplus'`` (``log(1 + exp(x))``), ``'gelu'`` (``x Phi(x)`` with
        ``Phi`` the standard normal CDF: the exact form ``0.5 x (1 + erf(x /
        sqrt(2)))``, not the tanh approximation) or ``'silu'`` (swish, ``x /
        (1 + exp(-x))``). A name applies to every hidden layer; a tuple (or
        list) gives one name per hidden layer, e.g. ``('relu', 'tanh')``, and
        must have ``len(hidden_layer_sizes)`` entries.

    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        Weight optimisation. ``'sgd'`` is minibatch gradient descent
        (``batch_size=1`` is sequential mode, ``batch_size=n_samples`` is
        full-batch descent), ``'adam'`` the Adam optimiser, ``'lbfgs'`` the
        quasi-Newton L-BFGS-B of :func:`scipy.optimize.minimize` on the whole
        training set.

    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha / (2 W) * sum ||W_i||**2`` on the
        weights (not the intercepts), ``W`` being the sum of sample weights of
        the batch.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; ``'auto'`` is
        ``min(200, n_samples)``. Clipped to ``n_samples`` with a warning.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, default='constant'
        Step-size schedule of the stochastic solvers, updated after every
        epoch: constant, ``eta_0 / (t + 1) ** power_t`` with ``t`` the number
        of samples seen, divided by 5 each time ``n_iter_no_change`` epochs
        fail to improve by ``tol`` (training stops once it is at most 1e-6),
        or ``eta_0 * (1 + cos(pi * e / max_iter)) / 2`` after ``e`` epochs
        (cosine decay to 0 over ``max_iter`` epochs; ``partial_fit`` counts
        its calls). The schedule applies to ``'adam'`` as well as ``'sgd'``
        (scikit-learn's Adam ignores it); the default ``'constant'`` is
        scikit-learn's behaviour for both.

    learning_rate_init : float or array-like of shape (n_layers - 1,), default=0.001
        Initial step size of ``'sgd'`` and ``'adam'``. A sequence gives each
        weight layer (hidden layers, then the output layer) its own rate
        ``eta^(n)``, applied to its weights and intercepts.

    power_t : float, default=0.5
        Exponent of the ``'invscaling'`` schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations (lbfgs).

    shuffle : bool, default=True
        Whether to shuffle the samples every epoch (stochastic solvers).
        Full-batch descent does not shuffle, as the order cannot matter.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and the early-stopping split.
        An int makes fits bit-for-bit reproducible.

    tol : float, default=1e-4
        Improvement below which an epoch counts as stalled (stochastic
        solvers); gradient tolerance of lbfgs.

    verbose : bool, default=False
        Print the loss after every epoch or lbfgs iteration.

    warm_start : bool, default=False
        Continue from the previous solution on the next ``fit``.

    momentum : float, default=0.9
        Momentum of ``solver='sgd'``, in [0, 1].

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum (``solver='sgd'``, ``momentum > 0``).

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (as
        scikit-learn does: stratified for single-output classification,
        sample weights carried along, at least two rows) and stop when its
        score stalls for ``n_iter_no_change`` epochs; the weights of the best
        validation score are restored. Stochastic solvers only; ``partial_fit``
        refuses it.

    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping, in (0, 1).

    beta_1 : float, default=0.9
        Decay of Adam's first-moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Decay of Adam's second-moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Numerical-stability constant of Adam.

    n_iter_no_change : int, default=10
        Stalled epochs tolerated before stopping (stochastic solvers).

    max_fun : int, default=15000
        Maximum number of loss evaluations of ``solver='lbfgs'``.

    dropout : float or array-like of shape (n_layers - 2,), default=0.0
        Inverted dropout on the hidden units while training with ``'sgd'``
        or ``'adam'``: in every minibatch each hidden unit's activation is
        zeroed with probability ``p`` and the kept ones are multiplied by
        ``1 / (1 - p)``, with a fresh mask for every minibatch (and every
        stacked restart) drawn from ``random_state``. A float in [0, 1) is
        the rate of every hidden layer, a sequence gives one rate per hidden
        layer. Only training drops units: prediction, :meth:`transform`, the
        validation scores and losses of early stopping and
        ``noise_variance_`` use the full network, while ``loss_`` and
        ``loss_curve_`` are the objective of the thinned networks as the
        minibatches saw it (noisier, and higher than the full network's; the
        stopping rule without early stopping follows it). ``solver='lbfgs'``
        refuses a positive rate (its objective must be deterministic). The
        default 0 trains exactly as without dropout.

"""

FIT_INTERCEPT_PARAMETER = """
    fit_intercept : bool, default=True
        Whether layers have bias terms. ``False`` trains a network without any
        bias (``intercepts_`` then stay zero).

"""

INIT_PARAMETERS = """
    init : {'glorot_uniform', 'uniform'} or callable, default='glorot_uniform'
        Initial weights. ``'glorot_uniform'`` is scikit-learn's scheme (same
        draws as MLP for the same ``random_state``); ``'uniform'`` draws every
        weight and intercept from ``U[-1, 1]``; a callable
        ``init(rng, fan_in, fan_out)`` returns the weight matrix of shape
        ``(fan_in, fan_out)`` (intercepts start at zero) or a tuple
        ``(weights, intercepts)``; ``rng`` is a ``numpy.random.RandomState``.

    n_init : int, default=1
        Number of random starting points. The network is trained from each and
        the one with the lowest final training loss (highest best validation
        score with ``early_stopping``) is kept, a guard against poor local
        minima. With ``'sgd'``/``'adam'`` the restarts are stacked and trained
        together, one batched matrix product per layer for all of them, on
        the same minibatches; each stops on its own criterion. ``'lbfgs'``
        runs them one after the other. Ignored by ``partial_fit`` (which
        trains a single network from its first call) and when ``warm_start``
        continues a fit.
"""

SCORING_PARAMETER = """
    scoring : {None, 'loss'}, default=None
        What early stopping follows on the validation set. ``None`` (as
        scikit-learn's MLP) is the estimator's :meth:`score`: accuracy for
        the classifier, R² for the regressor, higher is better. ``'loss'``
        is the validation objective, the loss being minimised plus its L2
        penalty (lower is better, the name and meaning of
        :class:`~sklearn.ensemble.HistGradientBoostingRegressor`'s
        ``scoring='loss'``): ``n_iter_no_change``/``tol`` then count epochs
        without a lower validation loss, and the weights of the lowest one
        are kept (``best_validation_loss_``). ``validation_scores_`` and
        ``validation_loss_curve_`` are recorded either way. Used only with
        ``early_stopping=True``.
"""

TRANSFORM_LAYER_PARAMETER = """
    transform_layer : int, default=-1
        Hidden layer whose activations :meth:`transform` returns, counted in
        ``hidden_layer_sizes`` (``0`` is the first hidden layer, ``-1`` the
        last).
"""

STEP_PARAMETERS = """
    warmup_epochs : int, default=0
        Epochs of linear warm-up before the ``learning_rate`` schedule
        starts (stochastic solvers): epoch ``e < warmup_epochs`` runs at
        ``eta_0 * (e + 1) / (warmup_epochs + 1)``, then the schedule runs as
        if training began there (``'cosine'`` decays over the remaining
        ``max_iter - warmup_epochs`` epochs, which must be at least one).

    max_grad_norm : float or None, default=None
        Clip the gradient of every step (stochastic solvers) to this
        Euclidean norm over all trainable parameters, L2 term included:
        ``g <- g * min(1, max_grad_norm / ||g||)``. Stacked restarts
        (``n_init``) clip each network by its own norm. None: no clipping.
        Ignored by ``'lbfgs'``.
"""

COMMON_ATTRIBUTES = """
    loss_ : float
        Objective (loss plus penalty) at the end of training. For the
        stochastic solvers, the average over the last epoch's minibatches,
        each evaluated before its update (with ``dropout``, on the thinned
        network of its mask).

    best_loss_ : float or None
        Lowest ``loss_`` seen (None with early stopping).

    loss_curve_ : list of float
        ``loss_`` after every epoch (stochastic solvers) or lbfgs iteration.

    validation_scores_ : list of float or None
        Validation score after every epoch, with early stopping.

    validation_loss_curve_ : list of float or None
        Validation objective after every epoch, with early stopping.

    best_validation_score_ : float or None
        Best validation score, with early stopping that follows the score
        (``scoring=None``); None otherwise.

    best_validation_loss_ : float or None
        Lowest validation loss, with early stopping that follows the loss
        (``scoring='loss'``); None otherwise.

    t_ : int
        Number of training samples seen by the stochastic solvers.

    coefs_ : list of ndarray of shape (fan_in, fan_out)
        Weight matrix of each layer. These arrays are the model: prediction,
        pickling and continued training (``warm_start``, ``partial_fit``)
        read them, so replacing an item or writing into one changes the
        model.

    intercepts_ : list of ndarray of shape (fan_out,)
        Bias vector of each layer, the model as ``coefs_`` is.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    n_iter_ : int
        Number of epochs (or lbfgs iterations) run.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units.

    out_activation_ : str
        Activation of the output layer.

    restart_losses_ : ndarray of shape (n_init,)
        Final training loss of every restart (``inf`` for one that diverged).

    best_restart_ : int
        Index of the restart that was kept.
"""


REGRESSOR_DOC = (
    """Multi-layer perceptron regressor trained by backpropagation.

    A drop-in alternative to :class:`sklearn.neural_network.MLPRegressor`
    with the same parameters and defaults, plus ``fit_intercept`` and
    ``out_activation``. Training runs on one flat parameter vector with
    buffers allocated once per fit; a fitted model can be shared by any
    number of predicting threads.

    The squared-error loss is half the squared residual *summed over outputs*
    and averaged over samples, so that ``loss_`` is the function whose
    gradient is followed, for several outputs too.

    Parameters
    ----------
    loss : {'squared_error', 'poisson', 'absolute_error', 'huber', 'quantile'}, \
default='squared_error'
        Loss to minimise, with the residual ``r = y - y_pred`` (the names of
        :class:`~sklearn.ensemble.HistGradientBoostingRegressor`):

        - ``'squared_error'``: ``r**2 / 2``, the conditional mean;
        - ``'poisson'``: half the Poisson deviance; needs non-negative
          targets and a positive output activation (``'exp'`` or
          ``'logistic'``);
        - ``'absolute_error'``: ``|r|``, the conditional median, robust to
          outliers;
        - ``'huber'``: ``r**2 / 2`` for ``|r| <= huber_delta`` and
          ``huber_delta * (|r| - huber_delta / 2)`` beyond: quadratic near
          the fit, linear (robust) for outliers;
        - ``'quantile'``: the pinball loss ``max(q r, (q - 1) r)`` with
          ``q = quantile``, the conditional ``quantile``.

        Every loss is averaged over samples and summed over outputs. The
        absolute error and the pinball loss are not differentiable where
        ``r = 0``; training follows the subgradient that is 0 there. Minibatch
        solvers (``'adam'``, ``'sgd'``) handle that well. ``'lbfgs'`` assumes a
        smooth objective: on these two losses its line search may fail
        before the optimum is reached, which ends the fit with a
        :class:`~sklearn.exceptions.ConvergenceWarning` that says so (the
        weights reached are kept); ``'huber'`` is differentiable and suits
        ``'lbfgs'``.
"""
    + COMMON_PARAMETERS
    + FIT_INTERCEPT_PARAMETER
    + """
    out_activation : {'auto', 'identity', 'logistic', 'tanh', 'exp'}, default='auto'
        Activation of the output layer. ``'auto'`` is ``'exp'`` for the
        Poisson loss and ``'identity'`` for the other losses. Any activation
        can be paired with any loss (except that ``'poisson'`` needs a
        positive one): the output delta uses the general rule
        ``dL/dy * f'(z)``.
"""
    + INIT_PARAMETERS
    + SCORING_PARAMETER
    + TRANSFORM_LAYER_PARAMETER
    + STEP_PARAMETERS
    + """
    quantile : float, default=0.5
        The quantile ``q`` in (0, 1) that ``loss='quantile'`` estimates (as
        :class:`~sklearn.ensemble.HistGradientBoostingRegressor`'s
        ``quantile``): about a fraction ``q`` of the targets lies below the
        fitted prediction. Only used by ``loss='quantile'``.

    huber_delta : float, default=1.0
        Threshold ``delta > 0`` of ``loss='huber'`` (PyTorch's ``HuberLoss``
        ``delta``), in the units of the targets: residuals up to ``delta``
        count quadratically, larger ones linearly. Only used by
        ``loss='huber'``.

    Attributes
    ----------
    noise_variance_ : ndarray of shape (`n_outputs_`,)
        Mean squared training residual of each output (weighted by
        ``sample_weight``), the maximum-likelihood noise variance ``1/beta``
        when squared error is read as a Gaussian likelihood, on the data of
        the last ``fit``/``partial_fit`` call. After minibatch descent that
        keeps the weights its last epoch ended with, the residuals are those
        of that epoch, each minibatch's taken before its update (as
        ``loss_``), so the fit makes no extra pass over the data; with
        ``alpha=0`` and squared error, ``noise_variance_.sum() / 2`` is then
        the last epoch's mean loss. Otherwise (lbfgs, full-batch descent,
        early stopping, restarts, ``dropout``, a fall-back to an earlier
        epoch) they are the residuals of the final weights (the full
        network), from one prediction of the training data.
"""
    + COMMON_ATTRIBUTES
    + """
    See Also
    --------
    BackpropClassifier : The classifier.
    sklearn.neural_network.MLPRegressor : scikit-learn's implementation.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skbackprop import BackpropRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, random_state=0)
    >>> reg = BackpropRegressor(hidden_layer_sizes=(20,), solver="lbfgs",
    ...                         max_iter=500, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """
)


CLASSIFIER_DOC = (
    """Multi-layer perceptron classifier trained by backpropagation.

    A drop-in alternative to :class:`sklearn.neural_network.MLPClassifier`
    with the same parameters and defaults, plus ``loss`` and
    ``fit_intercept``. Handles binary, multiclass (softmax output) and
    multilabel (independent logistic outputs) targets.

    Parameters
    ----------
"""
    + COMMON_PARAMETERS
    + """
    loss : {'log_loss', 'squared_error'}, default='log_loss'
        ``'log_loss'`` is the cross-entropy (binary for logistic outputs,
        categorical for softmax). ``'squared_error'`` trains the same outputs
        on half the squared difference to the one-hot targets.
"""
    + FIT_INTERCEPT_PARAMETER
    + INIT_PARAMETERS
    + """
    class_weight : dict, list of dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``, so that
        they reach the loss, the early-stopping split and the validation
        score and loss alike. ``None`` weighs every class 1. A dict maps a
        class label to its weight (classes it omits weigh 1); ``'balanced'``
        gives class ``c`` the weight ``n_samples / (n_classes * n_c)``
        (:func:`sklearn.utils.class_weight.compute_class_weight`), computed
        from the ``y`` of each ``fit``.

        For multilabel targets (an indicator matrix) each label column is a
        binary problem and a row's weight is the product of its columns'
        weights (scikit-learn's multi-output convention): a dict
        ``{label: w}`` weighs the rows where ``label`` is present by ``w``
        (absent: 1); a list of one dict ``{0: w_absent, 1: w_present}`` per
        column sets both; ``'balanced'`` balances each column.

        ``partial_fit`` accepts a dict or list but refuses ``'balanced'``
        (one batch does not tell the class frequencies; as for
        :class:`~sklearn.linear_model.SGDClassifier`, compute them with
        :func:`~sklearn.utils.class_weight.compute_class_weight` on a
        representative sample and pass the dict). Weights given to
        ``X_val``/``y_val`` in ``fit`` are weighted by class the same way.
"""
    + SCORING_PARAMETER
    + TRANSFORM_LAYER_PARAMETER
    + STEP_PARAMETERS
    + """
    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels seen during fit.
"""
    + COMMON_ATTRIBUTES
    + """
    See Also
    --------
    BackpropRegressor : The regressor.
    sklearn.neural_network.MLPClassifier : scikit-learn's implementation.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skbackprop import BackpropClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = BackpropClassifier(hidden_layer_sizes=(10,), solver="lbfgs",
    ...                          max_iter=300, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    """
)
