"""How PyTensor compiles our graphs: the C backend, linked against a real BLAS.

PyTensor 3 compiles with Numba by default. Like Theano, we compile to C
(PyTensor's ``CVM`` mode) unless the caller names another mode (``"NUMBA"``,
``"JAX"``, ``"FAST_COMPILE"``, or a ``pytensor.compile.Mode``).

A pip-installed PyTensor rarely finds a BLAS library by itself: its C graph
then falls back to calling ``numpy.dot`` for every matrix product and warns.
On first use we look for OpenBLAS ourselves (``-lopenblas``, Debian's
``libopenblas-dev``) and, when it links, set ``pytensor.config.blas__ldflags``
so that matrix products become direct C GEMM calls.  A BLAS set by the user
(``PYTENSOR_FLAGS=blas__ldflags=...`` or ``.pytensorrc``) is never overridden.
If nothing links, we say so once, with the fix.
"""

import os
import warnings

import pytensor

DEFAULT_MODE = "CVM"

BLAS_FIX = (
    "install OpenBLAS's development files (Debian/Ubuntu: "
    "`apt-get install libopenblas-dev`) and set "
    "PYTENSOR_FLAGS=blas__ldflags=-lopenblas"
)

_blas_checked = False


def _user_set_blas():
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    if "blas__ldflags" in flags or "blas.ldflags" in flags:
        return True
    rc = os.path.expanduser(os.environ.get("PYTENSORRC", "~/.pytensorrc"))
    try:
        with open(rc) as f:
            return "ldflags" in f.read()
    except OSError:
        return False


def configure_blas():
    """Link PyTensor's C backend against OpenBLAS when the user has not chosen.

    Returns the ``blas__ldflags`` in force ("" when matrix products fall back
    to NumPy). Runs its check once per process.
    """
    global _blas_checked
    if _blas_checked or _user_set_blas():
        _blas_checked = True
        return pytensor.config.blas__ldflags
    _blas_checked = True
    from pytensor.link.c.cmodule import try_blas_flag

    if pytensor.config.cxx and try_blas_flag(["-lopenblas"]):
        pytensor.config.blas__ldflags = "-lopenblas"
    else:
        # Reading the flag runs PyTensor's own search (and its warning).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = pytensor.config.blas__ldflags
        if not found:
            warnings.warn(
                "vae_theano: no BLAS library links with PyTensor's C backend, so "
                "every matrix product falls back to numpy.dot (several times "
                f"slower). To fix it, {BLAS_FIX}.",
                RuntimeWarning,
                stacklevel=3,
            )
    return pytensor.config.blas__ldflags


_NO_C = ("NUMBA", "JAX", "PYTORCH", "MLX")


def runs_c_ops(mode):
    """Whether ``mode`` can run our own C Ops (``vae_theano.ops``): not JAX, Numba, ..."""
    if isinstance(mode, str):
        return mode.upper() not in _NO_C
    linker = type(getattr(mode, "linker", None)).__name__.upper()
    return not any(name in linker for name in _NO_C)


def slices_on_host(mode):
    """Whether ``update`` must cut batches in Python: JAX traces static shapes, and a
    slice of the shared training set at a traced batch index has none."""
    name = mode.upper() if isinstance(mode, str) else type(getattr(mode, "linker", None)).__name__.upper()
    return "JAX" in name or "MLX" in name


def resolve_mode(mode=None):
    """The PyTensor compilation mode to use: ``mode``, or C (CVM) by default."""
    if mode is None:
        mode = DEFAULT_MODE
    if runs_c_ops(mode):
        configure_blas()
    return mode
