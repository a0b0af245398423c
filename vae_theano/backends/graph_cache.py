"""How a function's rewritten graph is kept between processes: a warm start links the
graph PyTensor rewrote last time instead of rewriting it again.

PyTensor compiles a function in two stages. ``FunctionMaker(...)`` rewrites
the graph (for the model's ``update_batches``, 324 nodes into one scan, about
two fifths of a warm build); ``FunctionMaker.create()`` then links it (the
C modules come from PyTensor's compile cache). PyTensor pickles a
``FunctionMaker`` with its rewritten graph, and unpickling a function links
that graph without rewriting it: that is how PyTensor loads a pickled
function. ``CachedMode`` is a ``Mode`` whose ``function_maker`` keeps each
maker, after rewriting and before linking, in the compile cache's
``vae_theano_graphs`` folder, and takes it from there when the same graph is
compiled again.

The key (``graph_key``) is a SHA-256 of everything the rewritten graph
depends on: the graph as given to the maker (every op, constant, type and
input, pickled, leaving out variable names given by counter and the
traceback tags), the mode's rewrite query and linker settings, every
``pytensor.config`` value, the versions of Python, PyTensor and NumPy, the
rewrites registered in ``optdb`` and the databases inside it (names, and the
top level's positions), and the source of this package (whose Ops and rewrites the graph uses). A changed graph or
setting gives another key: nothing is ever invalidated in place.

The inputs, shared variables among them, are never pickled: an entry names
them by their position, and a loaded graph reads and updates the shared
variables of the function being compiled (the training set is not copied
into the cache). An entry that cannot be read is ignored, and one that
cannot be written is not kept; either way the function compiles as
PyTensor would. The folder keeps the ``KEEP`` most recently used entries.
A scan's inner function is still rewritten when it links, since PyTensor
compiles it from the scan's own graph.
"""

import hashlib
import io
import os
import pickle
import sys

import numpy as np
import pytensor
import pytensor.sparse  # noqa: F401  (see _rewrite_names)
from pytensor.compile.maker import FunctionMaker
from pytensor.compile.mode import Mode, get_mode
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Apply, Variable
from pytensor.graph.fg import FunctionGraph
from pytensor.graph.rewriting.db import RewriteDatabaseQuery
from pytensor.link.basic import Container

from ..files.atomic import WriteError, atomic_write

FOLDER = "vae_theano_graphs"
KEEP = 32  # entries; update_batches' is about 1.6 MB
_VOLATILE = ("tag", "auto_name")  # a Variable's or Apply's fields that do not change what it computes

_package_source = None
_kinds = {}  # type -> "graph", "node" or "other", for _KeyPickler


class CachedMode(Mode):
    """A PyTensor ``Mode`` whose functions keep their rewritten graphs between processes (see the module)."""

    @property
    def function_maker(self):
        return cached_function_maker


def cached_function_maker(inputs, outputs, mode=None, accept_inplace=False, profile=None,
                          on_unused_input=None, fgraph=None, no_fgraph_prep=False, **kwargs):
    """``FunctionMaker(...)``, from the cache when this graph was rewritten before.

    Makers given a graph to compile as it is (a scan's inner function, a
    ``Function.copy``) or profiled are PyTensor's, untouched.
    """
    arguments = dict(accept_inplace=accept_inplace, profile=profile, on_unused_input=on_unused_input,
                     fgraph=fgraph, no_fgraph_prep=no_fgraph_prep, **kwargs)
    if fgraph is not None or no_fgraph_prep or profile:
        return FunctionMaker(inputs, outputs, mode, **arguments)
    inputs = [FunctionMaker.wrap_in(i) for i in (inputs if isinstance(inputs, list | tuple) else [inputs])]
    try:
        key = graph_key(inputs, outputs, mode, arguments)
    except Exception:  # a graph that does not pickle: compiled as always, not kept
        return FunctionMaker(inputs, outputs, mode, **arguments)
    path = os.path.join(pytensor.config.compiledir, FOLDER, f"{key}.pkl")
    maker = _load(path, inputs)
    if maker is None:
        maker = FunctionMaker(inputs, outputs, mode, **arguments)
        _save(path, maker, inputs)
    return maker


def graph_key(inputs, outputs, mode, arguments):
    """The hex SHA-256 that names a maker's rewritten graph (see the module).

    ``inputs``: the maker's ``SymbolicInput``s; ``outputs``: its outputs as
    given; ``mode``: its Mode; ``arguments``: its other keyword arguments.
    """
    mode = get_mode(mode)
    buffer = io.BytesIO()
    _KeyPickler(buffer, inputs).dump((inputs, outputs))
    settings = repr((
        sys.version_info[:3], pytensor.__version__, np.__version__,
        type(mode).__qualname__, _describe(mode.provided_optimizer), type(mode.linker).__qualname__,
        sorted((k, repr(v)) for k, v in vars(mode.linker).items() if isinstance(v, bool | int | float | str)),
        sorted((k, repr(v)) for k, v in arguments.items() if k not in ("profile", "fgraph")),
        _config_values(),
        sorted(pytensor.compile.optdb.__position__.items()), _rewrite_names(pytensor.compile.optdb),
    ))
    digest = hashlib.sha256(buffer.getvalue())
    digest.update(settings.encode())
    digest.update(_package_digest())
    return digest.hexdigest()


def _config_values():
    """[(name, repr of its value)] for every ``pytensor.config`` setting (one that cannot be read: "?")."""
    values = []
    for name in sorted(pytensor.config._config_var_dict):
        try:
            values.append((name, repr(getattr(pytensor.config, name))))
        except Exception:
            values.append((name, "?"))
    return values


def _rewrite_names(database, path="optdb", seen=None):
    """[(path, the names registered in it)] for a rewrite database and each one inside it
    (another package may register rewrites that change the graph).

    PyTensor imports its sparse module, which registers rewrites, during a
    process's first compilation; this module imports it first, so that every
    function of a process sees the same registrations (and keys).
    """
    seen = set() if seen is None else seen
    if id(database) in seen:
        return []
    seen.add(id(database))
    found = [(path, sorted(map(str, getattr(database, "_names", ()))))]
    for name, registered in sorted(database.__db__.items()):
        for inner in registered:
            if hasattr(inner, "__db__"):
                found += _rewrite_names(inner, f"{path}/{name}", seen)
    return found


def _package_digest():
    """SHA-256 of this package's Python source (its Ops and rewrites shape the rewritten graph)."""
    global _package_source
    if _package_source is None:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        digest = hashlib.sha256()
        for folder, subfolders, files in sorted(os.walk(root)):
            subfolders.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    digest.update(os.path.relpath(os.path.join(folder, name), root).encode())
                    with open(os.path.join(folder, name), "rb") as f:
                        digest.update(f.read())
        _package_source = digest.digest()
    return _package_source


def _input_ids(inputs):
    """{id(object): persistent id} for each input's variable and stored value (a shared variable's container)."""
    ids = {}
    for i, spec in enumerate(inputs):
        ids[id(spec.variable)] = ("variable", i)
        if isinstance(spec.value, Container):
            ids[id(spec.value)] = ("value", i)
    return ids


class _KeyPickler(pickle.Pickler):
    """Pickles a graph for its key: inputs by position and type, without counter names or tags."""

    def __init__(self, file, inputs):
        super().__init__(file, protocol=5)
        self.ids = _input_ids(inputs)
        self.types = {i: repr((type(spec.variable).__qualname__, spec.variable.type)) for i, spec in enumerate(inputs)}

    def persistent_id(self, obj):
        found = self.ids.get(id(obj))
        return None if found is None else (*found, self.types[found[1]])

    def reducer_override(self, obj):
        kind = _kinds.get(type(obj))
        if kind is None:  # (isinstance on PyTensor's abstract classes walks all their subclasses)
            bases = type(obj).__mro__
            kind = _kinds[type(obj)] = ("graph" if FunctionGraph in bases else
                                        "node" if Variable in bases or Apply in bases else "other")
        if kind == "graph":  # an inner graph: its nodes follow from its ends (its sets have no order)
            return _graph_ends, (list(obj.inputs), list(obj.outputs))
        if kind == "node":
            reduced = obj.__reduce_ex__(5)
            if len(reduced) > 2 and isinstance(reduced[2], dict):
                state = {k: v for k, v in reduced[2].items() if k not in _VOLATILE}
                return (*reduced[:2], state, *reduced[3:])
        return NotImplemented


def _graph_ends(inputs, outputs):
    """What a graph's key records of it: its inputs and outputs."""
    return inputs, outputs


def _describe(optimizer):
    """A mode's rewrite query as text that names no object address."""
    if isinstance(optimizer, RewriteDatabaseQuery):
        return repr((list(optimizer.include), list(optimizer.require), list(optimizer.exclude),
                     sorted((k, _describe(v)) for k, v in optimizer.subquery.items()),
                     optimizer.position_cutoff, [str(r) for r in optimizer.extra_rewrites]))
    return str(optimizer)


class _Pickler(pickle.Pickler):
    """Pickles a maker, its inputs by position; refuses any other shared variable or stored value."""

    def __init__(self, file, inputs):
        super().__init__(file, protocol=5)
        self.ids = _input_ids(inputs)

    def persistent_id(self, obj):
        found = self.ids.get(id(obj))
        if found is None and isinstance(obj, Container | SharedVariable):
            raise pickle.PicklingError(f"a shared value that is not an input: {obj}")
        return found


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, inputs):
        super().__init__(file)
        self.inputs = inputs

    def persistent_load(self, pid):
        kind, i = pid
        return self.inputs[i].variable if kind == "variable" else self.inputs[i].value


def _save(path, maker, inputs):
    """Keep ``maker`` (rewritten, not linked) at ``path``, or nothing if it does not pickle or write."""
    if any(getattr(node.op, "_fn", None) is not None for node in maker.fgraph.apply_nodes):
        return  # a scan already linked elsewhere would take its compiled function along
    buffer = io.BytesIO()
    try:
        _Pickler(buffer, inputs).dump(maker)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_write(path, "wb") as f:
            f.write(buffer.getvalue())
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError, OSError, WriteError):
        return
    _evict(os.path.dirname(path))


def _load(path, inputs):
    """The maker kept at ``path`` for these ``inputs``, or None (no entry, or one that does not load)."""
    try:
        with open(path, "rb") as f:
            maker = _Unpickler(f, inputs).load()
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or foreign entry: rewrite, and the new maker replaces it
        return None
    if not isinstance(maker, FunctionMaker) or len(maker.inputs) != len(inputs):
        return None  # its inputs are the given ones (persistent_load), so only their number can differ
    try:
        os.utime(path)
    except OSError:
        pass
    return maker


def _evict(folder):
    """Remove all but the ``KEEP`` most recently used entries of ``folder``."""
    try:
        entries = sorted((entry for entry in os.scandir(folder) if entry.name.endswith(".pkl")),
                         key=lambda entry: entry.stat().st_mtime, reverse=True)
        for entry in entries[KEEP:]:
            os.remove(entry.path)
    except OSError:
        pass
