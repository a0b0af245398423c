"""The public API's input checks, fuzzed: every call works, or raises ValueError/TypeError
with a message and leaves the model's state and noise generator as they were."""

import functools
import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vae_theano import VAE

FUZZ = settings(max_examples=40, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
FEATURES, LATENT, ROWS = 6, 2, 20

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 30), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=3), st.just([1, 2]), st.just(np.int64(1)), st.just(np.float32(2.0)))
dtypes = st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_, np.complex128, np.str_])


def arrays(rows=st.integers(0, 25), cols=st.sampled_from([0, 1, LATENT, 5, FEATURES, 7])):
    """Arrays of any dtype and shape, biased towards nearly valid ones (rows x FEATURES
    in [0, 1]) with NaN, inf and out-of-range values mixed in."""
    any_shape = hnp.arrays(dtypes, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=7))
    near_valid = st.tuples(rows, cols).flatmap(lambda shape: hnp.arrays(
        np.float64, shape, elements=st.one_of(st.floats(0, 1), st.sampled_from([np.nan, np.inf, -1.0, 2.0])))
    )
    valid = st.tuples(rows, cols).flatmap(lambda shape: hnp.arrays(np.float64, shape, elements=st.floats(0, 1)))
    ragged = st.lists(st.lists(st.floats(0, 1), min_size=0, max_size=FEATURES + 1), min_size=1, max_size=4)
    return st.one_of(any_shape, near_valid, valid, ragged, scalars)


@functools.lru_cache(maxsize=None)
def model():
    x = np.random.RandomState(0).uniform(size=(ROWS, FEATURES))
    return VAE(False, 5, 4, LATENT, x, batch_size=10, dtype="float64")


def snapshot(vae):
    return vae.get_state(), vae.get_rng_state()


def assert_unchanged(vae, before):
    state, rng = snapshot(vae)
    assert rng == before[1]
    for key, value in before[0].items():
        np.testing.assert_array_equal(state[key], value, err_msg=key)


def call_or_refuse(vae, call):
    """call() either returns, or raises ValueError/TypeError with a message and changes nothing."""
    before = snapshot(vae)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call()
    except (ValueError, TypeError) as e:
        assert str(e).strip(), f"{type(e).__name__} without a message"
        assert_unchanged(vae, before)
        return None


@FUZZ
@given(x=arrays())
def test_likelihood_encode_and_log_likelihood(x):
    vae = model()
    for fn in (vae.likelihood, vae.encode, vae.transform_data, vae.encode_mean,
               lambda a: vae.log_likelihood(a, k=3, progress=False)):
        call_or_refuse(vae, lambda: fn(x))


@FUZZ
@given(z=arrays(cols=st.sampled_from([0, 1, LATENT, 3])))
def test_decode(z):
    vae = model()
    out = call_or_refuse(vae, lambda: vae.decode(z))
    if out is not None:
        assert out.shape == (len(z), FEATURES) and np.all((out >= 0) & (out <= 1))


@FUZZ
@given(batch=scalars, epoch=scalars)
def test_update(batch, epoch):
    vae = model()
    before = snapshot(vae)
    out = call_or_refuse(vae, lambda: vae.update(batch, epoch))
    if out is not None:
        assert np.isfinite(out)
        vae.set_state(before[0])
        vae.set_rng_state(before[1])


@pytest.mark.skipif(not hasattr(VAE, "update_batches"), reason="update_batches not built yet")
@FUZZ
@given(batches=arrays(), epoch=scalars)
def test_update_batches(batches, epoch):
    vae = model()
    before = snapshot(vae)
    out = call_or_refuse(vae, lambda: vae.update_batches(batches, epoch))
    if out is not None:
        assert np.all(np.isfinite(out))
        vae.set_state(before[0])
        vae.set_rng_state(before[1])


@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=arrays(rows=st.integers(0, 25)),
       sizes=st.tuples(*[st.one_of(st.integers(-1, 6), scalars)] * 3),
       optimiser=st.tuples(*[st.one_of(st.floats(-1, 1.5), scalars)] * 4),
       batch_size=st.one_of(st.integers(-1, 12), scalars),
       extra=st.fixed_dictionaries({}, optional=dict(
           dtype=st.one_of(st.sampled_from(["float32", "float64", "banana", "int32", np.float16]), scalars),
           mode=st.sampled_from(["CVM", "banana", 3, None]),
           bias_correction=st.sampled_from(["epoch", "step", "banana", None]),
           n_samples=st.one_of(st.integers(-1, 3), scalars))))
def test_constructor(x, sizes, optimiser, batch_size, extra):
    """A model is built, or a ValueError/TypeError names the problem."""
    b1, b2, learning_rate, lam = optimiser
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vae = VAE(False, *sizes, x, b1=b1, b2=b2, batch_size=batch_size,
                      learning_rate=learning_rate, lam=lam, **extra)
    except (ValueError, TypeError) as e:
        assert str(e).strip()
        return
    assert vae.N >= vae.batch_size >= 1 and vae.features >= 1
