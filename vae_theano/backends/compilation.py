"""How the C modules get built: all those a function lacks at once, over the machine's cores,
with one line on stderr while g++ runs (a cold cache).

PyTensor's CVM linker (``VMLinker``) makes each node's thunk in turn; on a cold
cache each C node is one g++ run, and PyTensor runs them one
after another. ``ParallelCVMLinker`` is that linker, with one change: at the
first module missing from the cache, it writes the source of every C node of
the function that the cache lacks and hands them all to g++ at once, one run
per core (``_ParallelBuilds``). PyTensor's own loop then goes on as before,
under its cache lock; where it would compile a module, it takes the one built
for the same name, source and flags, and moves it into place (anything else,
a failed build included, it compiles itself, as before). A warm cache sees no
change: nothing is written before a miss.

Every module starts with the same ``#include`` lines (Python, NumPy,
PyTensor's helpers), and g++ spends a quarter to a half of a module's time
parsing them. Where four or more of a batch's modules share those lines and their
flags, g++ parses them once into a precompiled header (``_precompile``), and
the modules built after it include it (``-include``); g++ checks that the
header was made with the same flags, and parses the text as before if not.
And g++ writes no debug information and links with gold where it finds it
(``configure_compiler``: PyTensor always asks for debug information, a tenth
of a module's time, and the default linker takes a quarter), and PyTensor's
search for this CPU's ``-march`` flags (a g++ run in every process, cold
cache or warm) runs once per CPU and compiler: its answer is
kept in the compile cache (``_reuse_march_flags``).
"""

import concurrent.futures
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

import pytensor
from pytensor.link.vm import VMLinker

from ..files.atomic import WriteError, atomic_write

_announced = False
_compiler_configured = False
_announcing_lock = threading.Lock()  # g++ runs start from several threads


def configure_compiler():
    """Add flags to PyTensor's g++ flags (``gcc__cxxflags``) that build the same code sooner,
    once per process, each unless the user chose otherwise:

    - ``-g0`` (unless a ``-g...`` is there): nobody debugs the model's modules,
      and g++ builds each a tenth faster without debug information;
    - ``-pipe -fuse-ld=gold`` where g++ finds the gold linker (unless a
      ``-fuse-ld=`` is there): linking takes a quarter of a small module's
      time with the default linker (ld.bfd), half that with gold.
    """
    global _compiler_configured
    if not _compiler_configured:
        _compiler_configured = True
        flags = pytensor.config.gcc__cxxflags.split()
        if not any(flag.startswith("-g") for flag in flags):
            flags.append("-g0")
        if not any(flag.startswith("-fuse-ld=") for flag in flags) and _gold_linker():
            flags += ["-pipe", "-fuse-ld=gold"]
        pytensor.config.gcc__cxxflags = " ".join(flags)
        _reuse_march_flags()


def _gold_linker():
    """Whether PyTensor's compiler is g++ and finds the gold linker (``ld.gold``)."""
    if not pytensor.config.cxx or not _gcc():
        return False
    try:
        found = subprocess.run([pytensor.config.cxx, "-print-prog-name=ld.gold"], capture_output=True,
                               text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return False
    path = found if os.path.isabs(found) else shutil.which(found or "ld.gold")  # else g++ searches PATH
    return bool(path) and os.access(path, os.X_OK)


def _reuse_march_flags():
    """Give PyTensor the ``-march`` flags it found for this CPU and compiler before, or let it
    find them (``GCC_compiler.compile_args``) and keep them, in the compile cache's
    ``vae_theano_march_flags.json`` (PyTensor's cache leaves files alone), keyed by the
    compiler's path, size and date and the CPU's model and flags."""
    from pytensor.link.c.cmodule import GCC_compiler

    if GCC_compiler.march_flags is not None or not pytensor.config.cxx:
        return
    path = os.path.join(pytensor.config.compiledir, "vae_theano_march_flags.json")
    key = _compiler_and_cpu()
    try:
        with open(path) as f:
            saved = json.load(f)
    except (OSError, ValueError):
        saved = {}
    if isinstance(saved, dict) and isinstance(saved.get(key), list):
        GCC_compiler.march_flags = [str(flag) for flag in saved[key]]
        return
    GCC_compiler.compile_args()
    if GCC_compiler.march_flags is not None:
        try:
            with atomic_write(path, "w") as f:
                json.dump({**(saved if isinstance(saved, dict) else {}), key: GCC_compiler.march_flags}, f)
        except WriteError:
            pass  # a read-only cache: PyTensor searches again next time, as it always did


def _compiler_and_cpu():
    compiler = shutil.which(pytensor.config.cxx) or pytensor.config.cxx
    stat = os.stat(compiler) if os.path.exists(compiler) else None
    try:
        with open("/proc/cpuinfo") as f:
            cpu = [line for line in f if line.startswith(("model name", "flags", "vendor_id"))][:3]
    except OSError:
        cpu = [os.uname().machine]
    text = json.dumps([os.path.realpath(compiler), stat and (stat.st_size, stat.st_mtime_ns), cpu])
    return hashlib.sha256(text.encode()).hexdigest()


@contextlib.contextmanager
def announce_compilation():
    """Inside the block, say once per process that g++ is compiling (a cold cache).

    PyTensor compiles each C module with ``GCC_compiler.compile_str`` and says
    nothing; the first build of the model takes seconds that way. We wrap
    that one static method for the duration of the block, print one line on
    stderr before its first call, and put it back.
    """
    with _wrapped_compile_str(_announcing):
        yield


def _announcing(compile_str, *args, **kwargs):
    global _announced
    with _announcing_lock:
        announce, _announced = not _announced, True
    if announce:
        print("vae_theano: compiling the model's C code (the first run only; "
              f"cached in {pytensor.config.compiledir})", file=sys.stderr, flush=True)
    return compile_str(*args, **kwargs)


@contextlib.contextmanager
def _wrapped_compile_str(wrapper):
    """Inside the block, ``GCC_compiler.compile_str(...)`` is ``wrapper(previous, ...)``."""
    from pytensor.link.c.cmodule import GCC_compiler

    previous = GCC_compiler.__dict__["compile_str"]

    def compile_str(*args, **kwargs):
        return wrapper(previous.__func__, *args, **kwargs)

    GCC_compiler.compile_str = staticmethod(compile_str)
    try:
        yield
    finally:
        GCC_compiler.compile_str = previous


class ParallelCVMLinker(VMLinker):
    """PyTensor's CVM linker whose missing C modules g++ builds in parallel (see the module)."""

    def make_all(self, *args, **kwargs):
        builds = _ParallelBuilds(lambda: self.schedule(self.fgraph))
        with _wrapped_compile_str(builds.compile_str), builds:
            return super().make_all(*args, **kwargs)


class _ParallelBuilds:
    """The g++ runs for the C nodes of one function (``nodes()``, in order), started at its first cache miss."""

    def __init__(self, nodes):
        self.nodes = nodes
        self.pool = self.folder = None
        self.builds = {}  # module name -> (source, flags, future of the folder holding the build)

    def compile_str(self, compile_str, module_name, src_code, location=None, include_dirs=None,
                    lib_dirs=None, libs=None, preargs=None, py_module=True, hide_symbols=True):
        """PyTensor's ``compile_str``, which takes a module built in parallel where there is one."""
        args = (module_name, src_code, location, include_dirs, lib_dirs, libs, preargs, py_module, hide_symbols)
        if self.pool is None:
            self.start(compile_str)
        source, flags, future = self.builds.pop(module_name, (None, None, None))
        if source != src_code or flags != _flags(include_dirs, lib_dirs, libs, preargs, hide_symbols):
            return compile_str(*args)
        try:
            folder = future.result()
        except Exception:  # PyTensor compiles it again, and reports the error its own way
            return compile_str(*args)
        from pytensor.link.c.cmodule import dlimport

        for name in os.listdir(folder):
            shutil.move(os.path.join(folder, name), os.path.join(location, name))
        os.rmdir(folder)
        if not py_module:
            return None
        open(os.path.join(location, "__init__.py"), "w").close()
        return dlimport(os.path.join(location, f"{module_name}.{_lib_extension()}"))

    def start(self, compile_str):
        """Write the source of every C node whose module the cache lacks, and start its g++ run
        (after the precompiled headers of the flags that four or more modules share), the
        longest sources first, so that no long build starts last while the other cores idle."""
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(os.sched_getaffinity(0)))
        self.folder = tempfile.mkdtemp(prefix="vae_theano_headers_")
        groups = {}  # (leading includes, flags) -> {module name: source}
        for node in self.nodes():
            try:
                job = _missing_module(node)
            except Exception:  # no C code, or none we can write ahead: PyTensor's loop handles it
                continue
            if job is not None:
                module_name, source, flags = job
                groups.setdefault((_leading_includes(source), flags), {}).setdefault(module_name, source)
        jobs = []
        for n, (key, modules) in enumerate(groups.items()):
            header = (self.pool.submit(_precompile, os.path.join(self.folder, f"{n}.h"), *key)
                      if len(modules) >= 4 and _gcc() else None)
            jobs += [(module_name, source, key[1], header) for module_name, source in modules.items()]
        for module_name, source, flags, header in sorted(jobs, key=lambda job: -len(job[1])):
            future = self.pool.submit(_build, compile_str, header, module_name, source, *flags)
            self.builds[module_name] = source, flags, future

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        """Cancel the runs nobody took (the loop found those modules by another key) and remove their folders."""
        if self.pool is not None:
            for _, _, future in self.builds.values():
                future.cancel()
            self.pool.shutdown(wait=True)
            for _, _, future in self.builds.values():
                if not future.cancelled() and future.exception() is None:
                    shutil.rmtree(future.result(), ignore_errors=True)
            shutil.rmtree(self.folder, ignore_errors=True)
        return False


def _missing_module(node):
    """(module name, source, flags) of ``node``'s C module as PyTensor's CVM would compile it
    (``COp.make_thunk``, then ``CLinker.compile_cmodule``), or None if the cache has it."""
    from pytensor.graph.fg import FunctionGraph
    from pytensor.link.c.basic import CLinker, get_module_cache
    from pytensor.link.c.cmodule import get_module_hash
    from pytensor.link.c.op import COp

    if not isinstance(node.op, COp):
        return None
    node.op.prepare_node(node, storage_map=None, compute_map=None, impl="c")
    linker = CLinker().accept(FunctionGraph(node.inputs, node.outputs), no_recycling=[])
    key = linker.cmodule_key()
    cache = get_module_cache()
    if key is not None and key in cache.entry_from_key:
        return None
    module = linker.get_dynamic_module()
    source = module.code()
    if key is not None and get_module_hash(source, key) in cache.module_hash_to_key_data:
        return None
    flags = _flags(linker.header_dirs(), linker.lib_dirs(), linker.libraries(), linker.compile_args(), True)
    return module.code_hash, source, flags


def _flags(include_dirs, lib_dirs, libs, preargs, hide_symbols):
    return tuple(include_dirs or ()), tuple(lib_dirs or ()), tuple(libs or ()), tuple(preargs or ()), hide_symbols


def _build(compile_str, header, module_name, source, include_dirs, lib_dirs, libs, preargs, hide_symbols):
    """Run g++ on ``source`` into a new folder (outside the compile cache, which
    removes empty folders it finds), and return that folder. ``header``: the
    future of a precompiled header for this source's includes and flags, used
    if it is ready (the first modules do not wait for it)."""
    if header is not None and header.done() and header.exception() is None:
        preargs = (*preargs, "-include", header.result())
    folder = tempfile.mkdtemp(prefix="vae_theano_build_")
    try:
        compile_str(module_name, source, location=folder, include_dirs=list(include_dirs),
                    lib_dirs=list(lib_dirs), libs=list(libs), preargs=list(preargs), py_module=False,
                    hide_symbols=hide_symbols)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _leading_includes(source):
    """The ``#include`` lines a module's source starts with."""
    lines = []
    for line in source.splitlines():
        if not line.startswith("#include"):
            break
        lines.append(line)
    return "\n".join(lines)


def _precompile(header, includes, flags):
    """Write ``includes`` to ``header`` and precompile it (``header``.gch) with the flags
    that PyTensor's ``compile_str`` gives a module's g++ run; returns ``header``."""
    from pytensor.link.c.cmodule import std_include_dirs

    include_dirs, _, _, preargs, hide_symbols = flags
    with open(header, "w") as f:
        f.write(includes + "\n")
    command = [pytensor.config.cxx, "-g",
               *(p for p in preargs if not (pytensor.config.cmodule__remove_gxx_opt and p.startswith("-O"))),
               *(f"-I{d}" for d in [*include_dirs, *std_include_dirs()]),
               *(["-fvisibility=hidden"] if hide_symbols else []),
               "-x", "c++-header", header, "-o", header + ".gch"]
    subprocess.run(command, check=True, capture_output=True)
    return header


def _gcc():
    """Whether PyTensor's compiler is g++ (whose precompiled headers are ``.gch`` files)."""
    return "g++" in os.path.basename(pytensor.config.cxx)


def _lib_extension():
    from pytensor.link.c.cmodule import get_lib_extension

    return get_lib_extension()
