"""Where the weights and biases of a network sit in one flat vector.

This module is part of the engine and imports nothing from scikit-learn.

The parameter vector ``theta`` of a network with weight layers ``0..L-1``
(and any vector laid out like it: gradients, optimizer moments, snapshots)
is::

    [ W_0.ravel(), W_1.ravel(), ..., W_{L-1}.ravel(), b_0, b_1, ..., b_{L-1} ]

``W_i`` has shape ``(fan_in, fan_out)`` and ``b_i`` shape ``(fan_out,)``.
With ``n_restarts=R > 1`` the vector holds R independent networks of the
same architecture trained together (stacked random restarts): every block
gains a leading axis of length R, ``W_i`` is ``(R, fan_in, fan_out)`` and
``b_i`` is ``(R, fan_out)``. Without intercepts the bias block is kept (all
zeros, so that the public attributes keep their shapes) but it is not part
of the trainable prefix ``theta[:n_params]``.

A :class:`Layout` is the only place that knows these positions; everything
else asks it for views.
"""

import numpy as np


class Layout:
    """Positions of every layer's weights and biases in a flat vector.

    Parameters
    ----------
    layer_units : sequence of int
        Units per layer, input and output included: ``[n_features, *hidden,
        n_outputs]``.
    fit_intercept : bool, default=True
        Whether the biases are trainable parameters.
    n_restarts : int, default=1
        Number of stacked networks (random restarts) in one vector.
    """

    def __init__(self, layer_units, fit_intercept=True, n_restarts=1):
        self.layer_units = tuple(int(u) for u in layer_units)
        self.fit_intercept = bool(fit_intercept)
        self.n_restarts = R = int(n_restarts)
        self.stacked = R > 1
        #: leading axes of every block: ``()`` or ``(R,)``
        self.lead = (R,) if self.stacked else ()
        self.n_layers = len(self.layer_units) - 1
        self.fans = tuple(zip(self.layer_units[:-1], self.layer_units[1:]))
        self.n_coef = R * sum(a * b for a, b in self.fans)
        self.n_total = self.n_coef + R * sum(b for _, b in self.fans)
        self.n_params = self.n_total if self.fit_intercept else self.n_coef

    def __eq__(self, other):
        return isinstance(other, Layout) and (
            self.layer_units,
            self.fit_intercept,
            self.n_restarts,
        ) == (other.layer_units, other.fit_intercept, other.n_restarts)

    __hash__ = None

    # ------------------------------------------------------------------
    # shapes of stacked blocks: the one place that branches on R
    def rows(self, block, n):
        """The first ``n`` rows of a batch buffer of shape ``(*lead, rows,
        k)``."""
        return block[:, :n] if self.stacked else block[:n]

    def transposed(self, block):
        """``block`` with its last two axes swapped."""
        return block.transpose(0, 2, 1) if self.stacked else block.T

    def row_broadcast(self, bias):
        """A bias of shape ``(*lead, k)`` shaped to add to ``(*lead, n, k)``."""
        return bias[:, None, :] if self.stacked else bias

    def value(self, v):
        """A per-network value: a float for one network, an array ``(R,)``
        for stacked ones."""
        return np.asarray(v) if self.stacked else float(v)

    def zero_value(self):
        """The value 0 for every network."""
        return np.zeros(self.lead) if self.stacked else 0.0

    def single(self):
        """The layout of one of the stacked networks.

        Returns
        -------
        layout : Layout
        """
        return Layout(self.layer_units, self.fit_intercept)

    def views(self, flat):
        """Per-layer views of a vector laid out like ``theta``.

        Parameters
        ----------
        flat : ndarray of shape (n_total,)

        Returns
        -------
        coefs : list of ndarray of shape (*lead, fan_in, fan_out)
        intercepts : list of ndarray of shape (*lead, fan_out)
        """
        R, lead = self.n_restarts, self.lead
        coefs, intercepts = [], []
        start = 0
        for fan_in, fan_out in self.fans:
            stop = start + R * fan_in * fan_out
            coefs.append(flat[start:stop].reshape(*lead, fan_in, fan_out))
            start = stop
        for _, fan_out in self.fans:
            stop = start + R * fan_out
            intercepts.append(flat[start:stop].reshape(*lead, fan_out))
            start = stop
        return coefs, intercepts

    def restart_owner(self):
        """Index of the stacked network owning each entry of ``theta``.

        Returns
        -------
        owner : ndarray of int of shape (n_total,)
        """
        owner = np.empty(self.n_total, dtype=np.intp)
        ranks = np.arange(self.n_restarts)
        coefs, intercepts = self.views(owner)
        for block in coefs + intercepts:
            block[...] = ranks.reshape((-1,) + (1,) * (block.ndim - 1))
        return owner

    def layer_index(self):
        """Index of the weight layer owning each trainable parameter.

        Returns
        -------
        layer : ndarray of int of shape (n_params,)
        """
        layer = np.empty(self.n_total, dtype=np.intp)
        coefs, intercepts = self.views(layer)
        for i, (c, b) in enumerate(zip(coefs, intercepts)):
            c[...] = i
            b[...] = i
        return layer[: self.n_params]

    def extract(self, flat, r):
        """The part of ``flat`` that belongs to stacked network ``r``.

        Parameters
        ----------
        flat : ndarray of shape (n_total,)
        r : int

        Returns
        -------
        single : ndarray of shape (single().n_total,)
            A new vector laid out for one network.
        """
        if not self.stacked:
            return flat.copy()
        coefs, intercepts = self.views(flat)
        return np.concatenate([c[r].ravel() for c in coefs + intercepts])

    def pack(self, coefs, intercepts, dtype):
        """A new flat vector holding the given per-layer arrays.

        Parameters
        ----------
        coefs, intercepts : sequence of array-like
            One entry per layer, of this layout's shapes.
        dtype : numpy dtype

        Returns
        -------
        flat : ndarray of shape (n_total,)

        Raises
        ------
        ValueError
            If the number of entries or a shape does not match.
        """
        if len(coefs) != self.n_layers or len(intercepts) != self.n_layers:
            raise ValueError(
                f"coefs_ and intercepts_ must have {self.n_layers} entries, got "
                f"{len(coefs)} and {len(intercepts)}."
            )
        flat = np.empty(self.n_total, dtype=dtype)
        targets = self.views(flat)
        for name, given, views in zip(
            ("coefs_", "intercepts_"), (coefs, intercepts), targets
        ):
            for i, (a, v) in enumerate(zip(given, views)):
                a = np.asarray(a)
                if a.shape != v.shape:
                    raise ValueError(
                        f"{name}[{i}] has shape {a.shape}, expected {v.shape}."
                    )
                v[...] = a
        return flat
