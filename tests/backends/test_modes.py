"""How the model compiles: C by default with its BLAS from the wheel's OpenBLAS, the backend read
off the mode's linker, a bad mode named in one line, and the compile notice (cold, then warm)."""

import os

import pytest

from test_vae import small_vae
from vae_theano.backends import blas


def test_default_mode_compiles_to_c(tiny_binary):
    from pytensor.link.vm import VMLinker

    vae = small_vae(tiny_binary)
    linker = vae.compiled("update").maker.linker
    assert isinstance(linker, VMLinker) and linker.use_cloop and linker.c_thunks


def test_matrix_products_call_blas_from_c(tiny_binary):
    """Every matrix product of update() is a C thunk calling BLAS (the wheel's
    OpenBLAS unless the user chose one); on PyTensor's NumPy fallback they are
    Python thunks and this fails."""
    vae = small_vae(tiny_binary)
    update = vae.compiled("update")
    products = [(node, thunk) for node, thunk in zip(update.maker.fgraph.toposort(), update.vm.thunks)
                if type(node.op).__name__ in ("Dot22", "Dot22Scalar", "Gemm", "Gemv", "Ger")]
    assert products and all(hasattr(thunk, "cthunk") for _, thunk in products), products
    if not blas._user_set_blas():
        assert "-lscipy_openblas" in blas.configure_blas()


def test_wheel_blas_flags_rename_every_routine_pytensor_calls():
    cxxflags, ldflags = blas.wheel_blas_flags()
    for routine in ("sgemm", "dgemm", "sgemv", "dgemv", "sger", "dger", "sdot", "ddot"):
        assert f"-D{routine}_=scipy_{routine}_" in cxxflags.split()
    assert "-lscipy_openblas" in ldflags.split()


@pytest.mark.parametrize("core", ["Haswell", "SkylakeX"])
def test_blas_core_reports_the_kernels_openblas_runs(core):
    """OPENBLAS_CORETYPE (read when the library loads) picks the kernels;
    ``blas_core`` asks the loaded library which ones it runs."""
    import subprocess
    import sys

    if core == "SkylakeX" and "avx512f" not in open("/proc/cpuinfo").read():
        pytest.skip("this CPU has no AVX-512")
    code = "from vae_theano.backends.blas import blas_core; print(blas_core())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, OPENBLAS_CORETYPE=core))
    assert out.stdout.strip() == core


@pytest.mark.parametrize("mode, kind", [("CVM", "c"), ("C", "c"), ("FAST_COMPILE", "c"), ("NUMBA", "numba"),
                                        ("FAST_RUN", "numba"), ("JAX", "jax"), ("PYTORCH", "pytorch"), ("MLX", "mlx")])
def test_the_backend_is_the_modes_linker(mode, kind):
    """A mode's backend is the linker that compiles it, whatever the mode is called: PyTensor's
    FAST_RUN links with Numba, and a Mode made by hand with JAX's linker is JAX."""
    from pytensor.compile.mode import Mode, get_mode
    from pytensor.link.jax.linker import JAXLinker

    from vae_theano.backends.modes import backend, runs_c

    assert backend(mode) == kind and runs_c(mode) == (kind == "c")
    assert backend(get_mode(mode)) == kind
    assert backend(Mode(linker=JAXLinker(), optimizer="fast_run")) == "jax"


def test_bad_mode_lists_the_modes(tiny_binary):
    with pytest.raises(ValueError, match="mode must be one of CVM, C, NUMBA, JAX.*got 'banana'"):
        small_vae(tiny_binary, mode="banana")
    with pytest.raises(ValueError, match="mode must be one of .*got int 3"):
        small_vae(tiny_binary, mode=3)


@pytest.mark.slow  # compiles the model twice in fresh processes, cold then warm
def test_a_cold_compile_cache_is_announced_once_and_a_warm_one_not(tmp_path):
    """The first build compiles C modules and says so in one line; the second is silent."""
    import subprocess
    import sys

    script = ("import numpy as np\nfrom vae_theano import VAE\n"
              "x = np.random.RandomState(0).uniform(size=(20, 6))\n"
              "VAE(False, 5, 4, 2, x, batch_size=10).update_batches(np.array([0, 1]), 1)\n")
    flags = f"compiledir={tmp_path}"
    if os.environ.get("PYTENSOR_FLAGS"):
        flags += "," + os.environ["PYTENSOR_FLAGS"]
    env = dict(os.environ, PYTENSOR_FLAGS=flags)
    cold = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    warm = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert cold.returncode == 0 and warm.returncode == 0, cold.stderr + warm.stderr
    assert cold.stderr.count("vae_theano: compiling the model's C code") == 1, cold.stderr
    assert "compiling" not in warm.stderr, warm.stderr
