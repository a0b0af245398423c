"""How a batch's rows reach a compiled function: sliced inside the graph, or fed from the host.

On C, ``update``'s rows are a slice of the shared ``x_train`` inside the
graph (the original's ``givens``); on JAX (and MLX) they are cut on the host
and fed, because a slice at a traced batch index has no static shape, and so
on Numba, whose matrix products run slower on a slice (Numba types it as an
array of any layout, and says so with a ``NumbaPerformanceWarning``) than on
the fed, contiguous rows. (Inside ``update_batches``' scan on Numba, a step's
rows are still an index into the fed block, and Numba still warns there.)
The sampler's noise is fed on every backend (``VAE.create_gradientfunctions``).

Every compiled call goes through ``call``: on JAX (``DeviceRows``) it places
the call's inputs on the device once and explicitly (``jax.device_put``),
takes the rows from a copy of the training set kept on the device, runs the
function on them as they are (``trust_input``: PyTensor would otherwise turn
device arrays back into NumPy) and fetches the result explicitly. The
parameters and moments are updated shared variables, which PyTensor's JAX
linker keeps on the device between calls, so after the first call nothing
crosses between host and device implicitly (a test runs ``update_batches``
under ``jax.transfer_guard("disallow")``).
"""

import functools

import numpy as np
import pytensor.tensor as pt

from .modes import backend


class _Rows:
    """What both ways share: update's symbolic batch x, the shared training set, the batch size,
    and the host's copy of a batch."""

    def __init__(self, x, x_train, batch_size):
        self.x, self.x_train, self.batch_size = x, x_train, batch_size

    def call(self, fn, *args):
        """fn(*args): a compiled function on its inputs, as this backend feeds them."""
        return fn(*args)

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
        super().__init__(x, x_train, batch_size)
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
        super().__init__(x, x_train, batch_size)
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


class DeviceRows(HostRows):
    """``HostRows`` on JAX, with every call's inputs placed on the device explicitly: the
    rows gathered from a device copy of the training set (made again when ``x_train``
    gets a new value), the noise and the epoch put there once per call."""

    def __init__(self, x, x_train, batch_size):
        super().__init__(x, x_train, batch_size)
        self._on_device = None, None  # (the host value, its device copy as (batches, batch_size, D))
        self._dtypes = {}  # compiled function -> its explicit inputs' dtypes

    def device_batches(self):
        import jax

        host = self.x_train.get_value(borrow=True)
        if self._on_device[0] is not host:
            whole = len(host) // self.batch_size * self.batch_size
            blocks = host[:whole].reshape(-1, self.batch_size, host.shape[1])
            self._on_device = host, jax.device_put(blocks)
        return self._on_device[1]

    def args(self, batch):
        return (_Gather(batch),)

    def sequence_args(self, batches):
        return (_Gather(np.asarray(batches, dtype=np.int32)),)

    def call(self, fn, *args):
        import jax

        if fn not in self._dtypes:  # once per function, not on every step
            fn.trust_input = True  # inputs below are device arrays of the declared dtypes
            self._dtypes[fn] = [i.variable.type.dtype for i in fn.maker.inputs if not i.shared]
        dtypes = self._dtypes[fn]
        placed = [_take(self.device_batches(), jax.device_put(a.index)) if isinstance(a, _Gather)
                  else jax.device_put(np.asarray(a, dtype=dtype)) for a, dtype in zip(args, dtypes)]
        return jax.device_get(fn(*placed))


def _take(blocks, index):
    """blocks[index] on the device, compiled (eager indexing would send Python scalars over)."""
    return _compiled_take()(blocks, index)


@functools.cache
def _compiled_take():
    import jax

    return jax.jit(lambda blocks, index: blocks[index])


class _Gather:
    """Rows to take from the device's copy of the training set: a batch index, or a vector of them."""

    def __init__(self, index):
        self.index = index


def batch_rows(mode, x, x_train, batch_size):
    """How ``update``'s symbolic batch ``x`` gets its rows on this backend: a ``SharedRows``
    on C, a ``DeviceRows`` on JAX, a ``HostRows`` on the other JIT backends (MLX, Numba)."""
    rows = {"jax": DeviceRows, "mlx": HostRows, "numba": HostRows}.get(backend(mode), SharedRows)
    return rows(x, x_train, batch_size)
