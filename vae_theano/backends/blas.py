"""The BLAS that PyTensor's C code links: the OpenBLAS of the ``scipy-openblas32`` wheel.

PyTensor's C matrix products call a BLAS library. A pip-installed PyTensor
rarely finds one by itself and then falls back to ``numpy.dot`` for every
product. We link the OpenBLAS of the ``scipy-openblas32`` wheel (a
dependency, so ``pip install`` alone gives a fast BLAS, no root and no system
package). Its symbols carry a ``scipy_`` prefix, so C code compiles with
``-Dsgemm_=scipy_sgemm_`` and the like. A BLAS set by the user
(``PYTENSOR_FLAGS=blas__ldflags=...`` or ``.pytensorrc``) is never overridden.
"""

import contextlib
import ctypes
import os
import warnings

import pytensor

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


@contextlib.contextmanager
def blas_threads(n):
    """Hold the wheel's OpenBLAS to ``n`` threads inside the ``with`` block (then restore it).

    OpenBLAS splits a product among its threads, and the rows at the edge of a
    thread's share go through other kernels: the last bit of a result can depend
    on the thread count (measured: one held-out bound in 60 epochs of a Frey
    Face model, 234.5140805662382 on one thread, ...825 on two). Runs that must
    agree bit for bit, a sweep's models on 1 or N workers, all use one thread.
    A BLAS the user linked instead is left alone.
    """
    path = wheel_openblas_path()
    if path is None:
        yield
        return
    lib = ctypes.CDLL(path)
    before = lib.scipy_openblas_get_num_threads()
    lib.scipy_openblas_set_num_threads(n)
    try:
        yield
    finally:
        lib.scipy_openblas_set_num_threads(before)


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
