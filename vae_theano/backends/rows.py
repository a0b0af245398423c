"""How a batch's rows reach a compiled function: sliced inside the graph, or fed from the host.

On C, ``update``'s rows are a slice of the shared ``x_train`` inside the
graph (the original's ``givens``); on JAX (and MLX) they are cut on the host
and fed, because a slice at a traced batch index has no static shape, and so
on Numba, whose matrix products run slower on a slice (Numba types it as an
array of any layout, and says so with a ``NumbaPerformanceWarning``) than on
the fed, contiguous rows.
The sampler's noise is fed on every backend (``VAE.create_gradientfunctions``).
"""

import numpy as np
import pytensor.tensor as pt

from .modes import mode_name


class _Rows:
    """What both ways share: the shared training set, the batch size, and the host's copy of a batch."""

    def __init__(self, x_train, batch_size):
        self.x_train, self.batch_size = x_train, batch_size

    def host_rows(self, batch):
        """Rows batch * batch_size ... (batch + 1) * batch_size - 1 of x_train, as a NumPy view."""
        return self.x_train.get_value(borrow=True)[batch * self.batch_size:(batch + 1) * self.batch_size]


class SharedRows(_Rows):
    """Batches as slices of the shared training set, inside the graph (the original's givens): on C.

    For ``update``: ``inputs`` [batch], an integer scalar, and ``givens``
    {x: x_train[batch * bs:(batch + 1) * bs]}. For ``update_batches``: the scan's
    sequence is the vector of batch indices, and ``rows_of`` slices inside the step.
    """

    def __init__(self, x, x_train, batch_size):
        super().__init__(x_train, batch_size)
        self.batch = pt.iscalar("batch")
        self.inputs = [self.batch]
        self.givens = {x: self.rows_of(self.batch)}

    def args(self, batch):
        return (batch,)

    def sequence(self):
        return pt.ivector("batches")

    def rows_of(self, batch):
        return self.x_train[batch * self.batch_size:(batch + 1) * self.batch_size]

    def sequence_args(self, batches):
        return (np.asarray(batches, dtype=np.int32),)


class HostRows(_Rows):
    """Batches cut from the shared training set's value on the host and fed (JAX, MLX, Numba):
    ``update`` takes the rows x (batch_size, D), ``update_batches`` a (steps, batch_size, D)
    block of them."""

    def __init__(self, x, x_train, batch_size):
        super().__init__(x_train, batch_size)
        self.inputs = [x]
        self.givens = {}

    def args(self, batch):
        return (self.host_rows(batch),)

    def sequence(self):
        return pt.tensor3("rows", dtype=self.x_train.type.dtype)

    def rows_of(self, rows):
        return rows

    def sequence_args(self, batches):
        index = np.asarray(batches)[:, None] * self.batch_size + np.arange(self.batch_size)
        return (self.x_train.get_value(borrow=True)[index],)


def batch_rows(mode, x, x_train, batch_size):
    """How ``update``'s symbolic batch ``x`` gets its rows on this backend: a ``SharedRows``
    on C, a ``HostRows`` on the JIT backends (JAX, MLX, Numba)."""
    name = mode_name(mode)
    rows = HostRows if any(jit in name for jit in ("JAX", "MLX", "NUMBA")) else SharedRows
    return rows(x, x_train, batch_size)
