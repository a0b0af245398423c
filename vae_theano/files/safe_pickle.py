"""Read pickles that may hold NumPy arrays, and refuse anything that runs code.

Pickle is a small program: loading one can call any importable function
(``os.system`` included). The original code and its data sets (``params.pkl``,
``mnist.pkl.gz``, ``freyfaces.pkl``) are pickles, so we read them with an
unpickler that resolves only the handful of globals needed to rebuild NumPy
arrays and plain containers. Anything else raises ``UnsafePickleError``
before it is called.
"""

import gzip
import pickle

_ALLOWED = {
    ("collections", "OrderedDict"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),  # how Python 2 pickles of bytes arrive
    ("copy_reg", "_reconstructor"),
    ("copyreg", "_reconstructor"),
    ("__builtin__", "object"),
    ("builtins", "object"),
}
# copyreg._reconstructor(cls, base, state) may only build these classes.
_RECONSTRUCTIBLE = {"OrderedDict", "ndarray"}


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """The pickle asks for something other than arrays and plain containers."""


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise UnsafePickleError(
                f"refusing to load {module}.{name}: only NumPy arrays and plain "
                "containers are allowed in this pickle (it could run code)"
            )
        obj = super().find_class(module, name)
        if name == "_reconstructor":
            return _checked_reconstructor(obj)
        return obj


def _checked_reconstructor(reconstructor):
    def build(cls, base, state):
        if getattr(cls, "__name__", None) not in _RECONSTRUCTIBLE:
            raise UnsafePickleError(f"refusing to rebuild {cls!r} from a pickle")
        return reconstructor(cls, base, state)

    return build


def load(fileobj):
    """Unpickle ``fileobj`` (a binary file), admitting only arrays and containers.

    Python 2 pickles (the original code's) are read with ``encoding="latin1"``,
    which is how NumPy's array buffers must be decoded.
    """
    return _ArrayUnpickler(fileobj, encoding="latin1").load()


def load_path(path, error=ValueError):
    """Unpickle the file at ``path`` (gzipped if it ends in .gz) with ``load``.

    Any failure raises ``error`` (a ValueError subclass) naming the file: a
    refused global, or a truncated or corrupt file. Nothing is half-loaded.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            return load(f)
    except UnsafePickleError as e:
        raise error(f"{path}: {e}") from e
    except Exception as e:  # EOFError, zlib.error, OSError, UnpicklingError, ...
        raise error(f"{path}: truncated or corrupt pickle ({type(e).__name__}: {e})") from e
