"""How PyTensor compiles the model, and everything that depends on the backend.

The model (``vae_theano.vae``) is written once for all backends; what differs
between them is decided here, one module per concern:

- ``modes``: the mode (C by default), and the modes of ``update_batches``' scan and of its step (``step_scan``);
- ``blas``: the OpenBLAS that PyTensor's C code links;
- ``rows``: how a batch's rows reach a compiled function;
- ``compilation``: the C modules built in parallel, and the one-line notice while g++ runs;
- ``ops``: the hand-written C Ops, and ``rewrites``: the rewrites that bring them
  in where C code runs (every ``optdb`` registration of the package; importing
  this package runs them).
"""

from . import rewrites  # noqa: F401  (registers the C-only rewrites)
from .compilation import announce_compilation
from .modes import resolve_mode, runs_c, scan_mode, step_scan
from .rows import batch_rows

__all__ = ["announce_compilation", "batch_rows", "resolve_mode", "runs_c", "scan_mode", "step_scan"]
