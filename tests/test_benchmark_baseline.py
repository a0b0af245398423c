"""The benchmark's NumPy baseline computes the same step as the model.

float32 to 1e-3: after a few Adam steps, m / sqrt(v) of near-zero gradients
carries float32 rounding to about 3e-4 (see test_reference.py).
"""

import os
import sys

import numpy as np
import pytest

from vae_theano import VAE

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
from numpy_step import NumpyStep  # noqa: E402

pytestmark = pytest.mark.slow  # compiles the benchmarks' JAX and NumPy baselines


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-9), ("float32", 1e-3)])
def test_numpy_step_matches_the_model(dtype, rtol):
    rs = np.random.RandomState(0)
    x = (rs.uniform(size=(40, 30)) < 0.3).astype(dtype)
    vae = VAE(False, 12, 9, 4, x, batch_size=20, lam=0.2, dtype=dtype)
    baseline = NumpyStep({k: p.get_value().copy() for k, p in vae.params.items()},
                         batch_size=20, N=40, lam=0.2)
    for batch, epoch in [(0, 1), (1, 1), (0, 2), (1, 3)]:
        eps = vae.srng.get_value().normal(0.0, 1.0, size=(20, 4)).astype(dtype)
        want = vae.update(batch, epoch)
        got = baseline.step(x[batch * 20:(batch + 1) * 20], eps, epoch)
        assert got == pytest.approx(float(want), rel=rtol)
    for name, p in vae.params.items():
        value = p.get_value()
        np.testing.assert_allclose(baseline.p[name], value, rtol=rtol, atol=rtol * np.abs(value).max(),
                                   err_msg=name)
        assert baseline.p[name].dtype == dtype


def test_jax_scan_baseline_matches_the_model():
    """The hand-written JAX epoch (benchmarks/jax_scan_epoch.py) is the model's step, float64."""
    jax = pytest.importorskip("jax")
    from jax_scan_epoch import batches, initial_state, make_epoch

    jax.config.update("jax_enable_x64", True)
    rs = np.random.RandomState(1)
    x = (rs.uniform(size=(60, 30)) < 0.3).astype("float64")
    vae = VAE(False, 12, 9, 4, x, batch_size=20, lam=0.2, dtype="float64")
    state = initial_state({k: p.get_value() for k, p in vae.params.items()})
    epoch = make_epoch(batch_size=20, N=60, lam=0.2)
    for number, order in [(1, [2, 0, 1]), (2, [1, 1, 0])]:
        generator = np.random.default_rng()  # a copy of the model's noise generator:
        generator.bit_generator.state = vae.get_rng_state()  # the same draws as update_batches
        eps = generator.normal(0.0, 1.0, size=(3, 20, 4))
        state, bounds = epoch(state, batches(x, order, 20), eps, number)
        want = vae.update_batches(np.array(order), number)
        np.testing.assert_allclose(np.asarray(bounds), want, rtol=1e-10)
    for name, p in vae.params.items():
        np.testing.assert_allclose(np.asarray(state[0][name]), p.get_value(), rtol=1e-9,
                                   atol=1e-12, err_msg=name)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_floor_through_the_wheels_openblas_multiplies(dtype):
    """The benchmark's floor calls cblas_?gemm of the model's OpenBLAS through
    ctypes: row-major, no transposes, (m, k) @ (k, n) as NumPy computes it."""
    from matmul_floor import wheel_gemm

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((7, 5)).astype(dtype), rng.standard_normal((5, 3)).astype(dtype)
    out = np.full((7, 3), np.nan, dtype)
    wheel_gemm(dtype)(a, b, out)
    np.testing.assert_allclose(out, a.astype(np.float64) @ b, rtol=1e-5 if dtype == "float32" else 1e-12)
