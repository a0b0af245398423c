"""Which PyTensor mode compiles the model: C (CVM) unless the caller names another, and the
mode of ``update_batches``' scan on C.

- ``resolve_mode``: C (PyTensor's ``CVM``, as Theano compiled to C) unless the
  caller names another mode (``"NUMBA"``, ``"JAX"``, ``"FAST_COMPILE"``, or a
  ``pytensor.compile.Mode``). ``"CVM"`` is PyTensor's CVM mode with the linker
  that builds a function's missing C modules in parallel
  (``compilation.ParallelCVMLinker``), whose functions keep their rewritten
  graphs between processes (``graph_cache.CachedMode``). Modes that run C get a BLAS
  (``blas.configure_blas``) and g++ flags (``compilation.configure_compiler``).
- ``scan_mode``: ``update_batches``' scan on C keeps each parameter and moment
  in one buffer updated in place, as ``update`` does.
"""

import warnings

import pytensor
from pytensor.compile.mode import Mode, get_mode, predefined_modes
from pytensor.link.jax.linker import JAXLinker
from pytensor.link.mlx.linker import MLXLinker
from pytensor.link.numba.linker import NumbaLinker
from pytensor.link.pytorch.linker import PytorchLinker

from .blas import configure_blas
from .compilation import ParallelCVMLinker, configure_compiler
from .graph_cache import CachedMode

DEFAULT_MODE = "CVM"
MODES = ("CVM", "C", "NUMBA", "JAX", "FAST_COMPILE", "FAST_RUN", "PYTORCH", "MLX")
# The JIT backends, by the linker that compiles a mode's functions (importing these needs
# none of JAX, Numba, PyTorch or MLX). Any other linker runs PyTensor's C code and VMs.
JIT_LINKERS = ((JAXLinker, "jax"), (NumbaLinker, "numba"), (PytorchLinker, "pytorch"), (MLXLinker, "mlx"))


def backend(mode):
    """What runs ``mode``'s functions, by its linker: "c" (PyTensor's C code and VMs: CVM, C,
    FAST_COMPILE) or a JIT backend, "jax", "numba", "pytorch" or "mlx" (PyTensor's FAST_RUN
    links with Numba). The one place that tells backends apart."""
    linker = get_mode(mode).linker
    return next((kind for cls, kind in JIT_LINKERS if isinstance(linker, cls)), "c")


def runs_c(mode):
    """Whether ``mode`` runs PyTensor's C code rather than a JIT backend."""
    return backend(mode) == "c"


def resolve_mode(mode=None):
    """The PyTensor compilation mode to use: ``mode``, or C (CVM) by default.

    A string must name one of ``MODES``; ``"CVM"`` gives PyTensor's CVM mode
    with ``ParallelCVMLinker``, as a ``CachedMode``; a ``pytensor.compile.Mode`` is taken as it
    is. Modes that run C get a BLAS (``configure_blas``) and g++ flags (``configure_compiler``).
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
        configure_compiler()
    if isinstance(mode, str) and mode.upper() == "CVM":
        mode = CachedMode(linker=ParallelCVMLinker(use_cloop=True), optimizer=get_mode("CVM").provided_optimizer)
    return mode


def scan_mode(mode):
    """The mode that compiles ``update_batches``' scan: on C, with the JIT
    backends' buffer rewrite (``scan_save_mem_no_prealloc``) in place of C's own.

    C's rewrite keeps two slots per recurrent state (the inner function may
    write the next state into the free one); with ~30 states of 1.25 MB each,
    every step then wrote fresh copies and AdamStep could not run in place.
    With one slot, PyTensor turns each state into an untraced recurrence that
    the step updates in place, as ``update`` does its shared variables.
    ``tests/backends/test_update_batches.py`` checks that this still happens.
    """
    # FAST_COMPILE runs no scan rewrite: adding the buffer one alone would shrink
    # buffers that nothing then turns into untraced recurrences.
    if not runs_c(mode) or "fast_compile" in get_mode(mode).provided_optimizer.include:
        return mode
    return get_mode(mode).excluding("scan_save_mem_prealloc").including("scan_save_mem_no_prealloc")


def step_scan(mode, step, **kwargs):
    """``pytensor.scan(step, **kwargs)``, its step compiled as ``mode`` would compile it.

    On our CVM the scan gets ``mode`` itself, so that the step's C modules
    build in parallel too (PyTensor would link the step with a CVM of its
    own); elsewhere PyTensor chooses, as before. PyTensor 3.3 deprecates the
    argument (its step inherits the outer graph's rewrites, and still honours
    the argument for its linker): that warning is ours to silence here.

    ``allow_gc=True`` keeps the step's memory handling as PyTensor's own step
    mode has it. Given a mode, a scan otherwise runs its step without freeing
    intermediates (``scan__allow_gc``), and then the Adagrad step's third
    bound came out NaN (float64, against the loop of ``update``;
    ``tests/paper/test_paper_options.py``), a PyTensor fault we did not chase.
    """
    if not isinstance(getattr(mode, "linker", None), ParallelCVMLinker):
        return pytensor.scan(step, **kwargs)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The `mode` argument of `scan` is deprecated",
                                category=FutureWarning)
        return pytensor.scan(step, mode=mode, allow_gc=True, **kwargs)
