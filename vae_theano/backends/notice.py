"""One line on stderr while g++ compiles the model's C code (a cold cache), once per process."""

import contextlib
import sys

import pytensor

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
