"""How PyTensor compiles our graphs: the mode, a real BLAS for C, and how a batch reaches a function.

Everything that depends on the backend is decided here, so that the model
(``vae.py``) is written once for all of them:

- ``resolve_mode``: C (PyTensor's ``CVM``, as Theano compiled to C) unless the
  caller names another mode (``"NUMBA"``, ``"JAX"``, ``"FAST_COMPILE"``, or a
  ``pytensor.compile.Mode``). Importing this module registers the C-only
  rewrites of ``vae_theano.ops``.
- ``configure_blas``: PyTensor's C matrix products call a BLAS library. A
  pip-installed PyTensor rarely finds one by itself and then falls back to
  ``numpy.dot`` for every product. We link the OpenBLAS of the
  ``scipy-openblas32`` wheel (a dependency, so ``pip install`` alone gives a
  fast BLAS, no root and no system package). Its symbols carry a ``scipy_``
  prefix, so C code compiles with ``-Dsgemm_=scipy_sgemm_`` and the like.
  A BLAS set by the user (``PYTENSOR_FLAGS=blas__ldflags=...`` or
  ``.pytensorrc``) is never overridden.
- ``scan_mode``: ``update_batches``' scan on C keeps each parameter and moment
  in one buffer updated in place, as ``update`` does.
- ``batch_rows``: where ``update``'s rows come from. On C and Numba, a slice
  of the shared ``x_train`` inside the graph (the original's ``givens``); on
  JAX the rows are cut on the host and fed, because a slice at a traced batch
  index has no static shape. The sampler's noise is fed on every backend (see
  ``VAE.create_gradientfunctions``).
"""

import contextlib
import ctypes
import os
import sys
import warnings

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.compile.mode import Mode, get_mode, predefined_modes

from . import ops  # noqa: F401  (registers the C-only rewrites)

DEFAULT_MODE = "CVM"
MODES = ("CVM", "C", "NUMBA", "JAX", "FAST_COMPILE", "FAST_RUN", "PYTORCH", "MLX")

BLAS_FIX = "reinstall the package (`pip install -e .`) so that the scipy-openblas32 wheel is present"

# Every BLAS routine PyTensor's C code may declare or call, without the prefix.
_BLAS_ROUTINES = (
    "rotg rotmg rot rotm swap scal copy axpy dot dotu dotc nrm2 asum "
    "gemv gbmv hemv hbmv hpmv symv sbmv spmv trmv tbmv tpmv trsv tbsv tpsv "
    "ger geru gerc her hpr her2 hpr2 syr spr syr2 spr2 "
    "gemm symm hemm syrk herk syr2k her2k trmm trsm").split()
BLAS_SYMBOLS = tuple(p + r for p in "sdcz" for r in _BLAS_ROUTINES) + (
    "csscal", "zdscal", "scnrm2", "dznrm2", "scasum", "dzasum", "sdsdot", "dsdot")

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


def wheel_openblas_path():
    """The scipy-openblas32 wheel's shared library (a path), or None without the wheel.

    Importing the wheel loads the library, once per process; OpenBLAS picks its
    kernels then (from the CPU, or from OPENBLAS_CORETYPE).
    """
    try:
        import scipy_openblas32
    except ImportError:
        return None
    path = os.path.join(scipy_openblas32.get_lib_dir(), f"lib{scipy_openblas32.get_library()}.so")
    return path if os.path.exists(path) else None


def blas_core():
    """The kernels the wheel's OpenBLAS runs ("SkylakeX", "Haswell", ...), or None without it."""
    path = wheel_openblas_path()
    if path is None:
        return None
    lib = ctypes.CDLL(path)
    lib.scipy_openblas_get_corename.restype = ctypes.c_char_p
    return lib.scipy_openblas_get_corename().decode()


def wheel_blas_flags():
    """(cxxflags, ldflags) that link the scipy-openblas32 wheel, or None without it."""
    path = wheel_openblas_path()
    if path is None:
        return None
    lib_dir, name = os.path.dirname(path), os.path.basename(path)[len("lib"):-len(".so")]  # "scipy_openblas"
    cxxflags = " ".join(f"-D{s}_=scipy_{s}_" for s in BLAS_SYMBOLS)
    return cxxflags, f"-L{lib_dir} -l{name} -Wl,-rpath,{lib_dir}"


def configure_blas():
    """Link PyTensor's C backend against the wheel's OpenBLAS when the user has not chosen.

    Returns the ``blas__ldflags`` in force ("" when matrix products fall back
    to NumPy, with one warning). Runs once per process.
    """
    global _blas_checked
    if _blas_checked or _user_set_blas():
        _blas_checked = True
        return pytensor.config.blas__ldflags
    _blas_checked = True
    flags = wheel_blas_flags()
    if flags and pytensor.config.cxx:
        cxxflags, ldflags = flags
        pytensor.config.gcc__cxxflags = f"{pytensor.config.gcc__cxxflags} {cxxflags}".strip()
        pytensor.config.blas__ldflags = ldflags
    else:
        with warnings.catch_warnings():  # reading the flag runs PyTensor's own search
            warnings.simplefilter("ignore")
            found = pytensor.config.blas__ldflags
        if not found and pytensor.config.cxx:
            warnings.warn("vae_theano: no BLAS library links with PyTensor's C backend, so "
                          "every matrix product falls back to numpy.dot (several times "
                          f"slower). To fix it, {BLAS_FIX}.", RuntimeWarning, stacklevel=3)
    return pytensor.config.blas__ldflags


_announced = False


@contextlib.contextmanager
def announce_compilation():
    """Inside the block, say once per process that g++ is compiling (a cold cache).

    PyTensor compiles each C module with ``GCC_compiler.compile_str`` and says
    nothing; the first build of the model takes tens of seconds that way. We
    wrap that one static method for the duration of the block, print one
    line on stderr before its first call, and put it back.
    """
    from pytensor.link.c.cmodule import GCC_compiler

    real = GCC_compiler.__dict__["compile_str"]

    def compile_str(*args, **kwargs):
        global _announced
        if not _announced:
            _announced = True
            print("vae_theano: compiling the model's C code (the first run only; "
                  f"cached in {pytensor.config.compiledir})", file=sys.stderr, flush=True)
        return real.__func__(*args, **kwargs)

    GCC_compiler.compile_str = staticmethod(compile_str)
    try:
        yield
    finally:
        GCC_compiler.compile_str = real


JIT_BACKENDS = ("NUMBA", "JAX", "PYTORCH", "MLX")  # modes that compile no C code of PyTensor's


def runs_c(mode):
    """Whether ``mode`` runs PyTensor's C code (C, CVM, FAST_RUN, ...) rather than a JIT backend."""
    return not any(name in mode_name(mode) for name in JIT_BACKENDS)


def mode_name(mode):
    """The upper-case name of a mode string, or of a Mode's linker ("JAXLINKER", ...)."""
    return mode.upper() if isinstance(mode, str) else type(getattr(mode, "linker", None)).__name__.upper()


def resolve_mode(mode=None):
    """The PyTensor compilation mode to use: ``mode``, or C (CVM) by default.

    A string must name one of ``MODES``; a ``pytensor.compile.Mode`` is taken
    as it is. Modes that run C get a BLAS (``configure_blas``).
    """
    if mode is None:
        mode = DEFAULT_MODE
    if isinstance(mode, str):
        if mode.upper() not in MODES or (mode.upper() != "FAST_RUN" and mode.upper() not in predefined_modes):
            raise ValueError(f"mode must be one of {', '.join(MODES)} or a pytensor Mode, got {mode!r}")
        if mode.upper() == "JAX":
            try:
                import jax  # noqa: F401
            except ImportError:
                raise ValueError("mode='JAX' needs JAX: pip install -e '.[jax]'") from None
    elif not isinstance(mode, Mode):
        raise ValueError(f"mode must be one of {', '.join(MODES)} or a pytensor Mode, "
                         f"got {type(mode).__name__} {mode!r}")
    if runs_c(mode):
        configure_blas()
    return mode


def scan_mode(mode):
    """The mode that compiles ``update_batches``' scan: on C, with the JIT
    backends' buffer rewrite (``scan_save_mem_no_prealloc``) in place of C's own.

    C's rewrite keeps two slots per recurrent state (the inner function may
    write the next state into the free one); with ~30 states of 1.25 MB each,
    every step then wrote fresh copies and AdamStep could not run in place.
    With one slot, PyTensor turns each state into an untraced recurrence that
    the step updates in place, as ``update`` does its shared variables.
    ``tests/test_update_batches.py`` checks that this still happens.
    """
    # FAST_COMPILE runs no scan rewrite: adding the buffer one alone would shrink
    # buffers that nothing then turns into untraced recurrences.
    if not runs_c(mode) or "FAST_COMPILE" in mode_name(mode):
        return mode
    return get_mode(mode).excluding("scan_save_mem_prealloc").including("scan_save_mem_no_prealloc")


class SharedRows:
    """Batches as slices of the shared training set, inside the graph (the original's givens).

    For ``update``: ``inputs`` [batch], an integer scalar, and ``givens``
    {x: x_train[batch * bs:(batch + 1) * bs]}. For ``update_batches``: the scan's
    sequence is the vector of batch indices, and ``rows_of`` slices inside the step.
    """

    def __init__(self, x, x_train, batch_size):
        self.x_train, self.batch_size = x_train, batch_size
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


class HostRows:
    """Batches cut from the shared training set's value on the host and fed: ``update``
    takes the rows x, ``update_batches`` a (steps, batch_size, D) block of them."""

    def __init__(self, x, x_train, batch_size):
        self.x_train, self.batch_size = x_train, batch_size
        self.inputs = [x]
        self.givens = {}

    def args(self, batch):
        rows = slice(batch * self.batch_size, (batch + 1) * self.batch_size)
        return (self.x_train.get_value(borrow=True)[rows],)

    def sequence(self):
        return pt.tensor3("rows", dtype=self.x_train.type.dtype)

    def rows_of(self, rows):
        return rows

    def sequence_args(self, batches):
        index = np.asarray(batches)[:, None] * self.batch_size + np.arange(self.batch_size)
        return (self.x_train.get_value(borrow=True)[index],)


def batch_rows(mode, x, x_train, batch_size):
    """How ``update``'s symbolic batch ``x`` gets its rows on this backend: a ``SharedRows``
    or, for JAX (and MLX), whose traced shapes must be static, a ``HostRows``."""
    name = mode_name(mode)
    rows = HostRows if ("JAX" in name or "MLX" in name) else SharedRows
    return rows(x, x_train, batch_size)
