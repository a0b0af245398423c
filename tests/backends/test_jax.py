"""The JAX backend against the C backend and the NumPy reference, on the CPU."""

import warnings

import numpy as np
import pytest

pytest.importorskip("jax")

from vae_theano import VAE  # noqa: E402

from conftest import NUMPY_REFERENCE  # noqa: E402
from test_reference import EXTENDED, assert_matches, load_case, model_for, run_model_sequence  # noqa: E402

pytestmark = pytest.mark.slow  # compiles the model with JAX


@pytest.mark.parametrize("case", EXTENDED)
def test_jax_matches_the_numpy_reference_and_c(case):
    """Same data, seeds and noise: JAX, C and NumPy give the same numbers (float64)."""
    ref = load_case(NUMPY_REFERENCE, case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTensor's notes on JAX tracing
        jax_out = run_model_sequence(model_for(ref, "float64", mode="JAX"), ref)
    assert_matches(jax_out, ref, rtol=1e-10)
    c_out = run_model_sequence(model_for(ref, "float64"), ref)
    for key, value in jax_out.items():
        np.testing.assert_allclose(np.asarray(value), c_out[key], rtol=1e-10,
                                   atol=1e-10 * np.abs(c_out[key]).max(), err_msg=key)


def test_jax_training_follows_the_c_backend_step_by_step():
    """Same seed, so the same weights and the same noise draws: update() on JAX
    and on C give the same bounds and parameters, step after step."""
    x = np.tile([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], (50, 1)).astype("float64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        jax = VAE(False, 20, 20, 2, x, batch_size=10, learning_rate=0.01, mode="JAX", dtype="float64")
        c = VAE(False, 20, 20, 2, x, batch_size=10, learning_rate=0.01, dtype="float64")
        bounds = [(float(jax.update(b, e)), float(c.update(b, e))) for e in range(1, 16) for b in range(10)]
        np.testing.assert_allclose(*zip(*bounds), rtol=1e-8)
        assert np.mean([b for b, _ in bounds[-10:]]) > -2.5 > -4 > np.mean([b for b, _ in bounds[:10]])
        for name, p in c.params.items():
            np.testing.assert_allclose(np.asarray(jax.params[name].get_value()), p.get_value(),
                                       rtol=1e-6, atol=1e-9, err_msg=name)
        np.testing.assert_allclose(jax.likelihood(x), c.likelihood(x), rtol=1e-8)
        np.testing.assert_allclose(jax.encode(x[:4]), c.encode(x[:4]), rtol=1e-8)
        assert not np.array_equal(jax.encode(x[:4]), jax.encode(x[:4]))  # fresh noise on every call
        assert jax.decode(np.zeros((3, 2))).shape == (3, 6)
        with pytest.raises(ValueError, match="batch must be an integer"):
            jax.update(10, 1)
        np.testing.assert_allclose(jax.log_likelihood(x[:30], k=40, progress=False),
                                   c.log_likelihood(x[:30], k=40, progress=False), rtol=1e-10)
