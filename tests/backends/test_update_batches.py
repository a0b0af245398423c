"""update_batches (one compiled scan over many steps) against the loop of update calls."""

import warnings

import numpy as np
import pytest

from vae_theano import VAE

ORDER = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5])


def data(continuous):
    rs = np.random.RandomState(4)
    return rs.normal(0.5, 0.3, (200, 12)) if continuous else rs.uniform(size=(200, 12))


def pair(continuous, dtype, mode=None, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTensor's notes on JAX tracing
        return [VAE(continuous, 8, 7, 3, data(continuous), batch_size=20, learning_rate=0.01, lam=0.5,
                    dtype=dtype, mode=mode, **kwargs) for _ in range(2)]


def assert_same(loop, fused, rtol):
    np.testing.assert_allclose(fused, loop["bounds"], rtol=rtol)
    for key, value in loop["state"].items():
        np.testing.assert_allclose(loop["fused_state"][key], value, rtol=rtol,
                                   atol=rtol * np.abs(value).max(), err_msg=key)
    assert loop["rng"] == loop["fused_rng"]


def run_both(a, b, epochs=(1, 2)):
    bounds, fused = [], []
    for epoch in epochs:
        bounds += [a.update(int(i), epoch) for i in ORDER]
        fused += list(b.update_batches(ORDER, epoch))
    return dict(bounds=np.array(bounds), state=a.get_state(), fused_state=b.get_state(),
                rng=a.get_rng_state(), fused_rng=b.get_rng_state()), np.array(fused)


@pytest.mark.parametrize("continuous", [False, True])
@pytest.mark.parametrize("n_samples, bias_correction", [(1, "epoch"), (3, "step")])
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 1e-5)])
def test_update_batches_equals_the_loop_of_update_on_c(continuous, n_samples, bias_correction, dtype, rtol):
    a, b = pair(continuous, dtype, n_samples=n_samples, bias_correction=bias_correction)
    loop, fused = run_both(a, b)
    assert fused.dtype == np.dtype(dtype) and fused.shape == (2 * len(ORDER),)
    assert_same(loop, fused, rtol)


@pytest.mark.parametrize("mode", ["JAX", "NUMBA"])
@pytest.mark.slow  # compiles with JAX and Numba
def test_update_batches_equals_the_loop_of_update_on_other_backends(mode):
    if mode == "JAX":
        pytest.importorskip("jax")
    settings = dict(n_samples=3, bias_correction="step") if mode == "JAX" else {}
    a, b = pair(False, "float64", mode=mode, **settings)
    loop, fused = run_both(a, b, epochs=(1,))
    assert_same(loop, fused, 1e-10)
    c, _ = pair(False, "float64", **settings)  # and the C backend gives the same numbers
    np.testing.assert_allclose([c.update(int(i), 1) for i in ORDER], fused, rtol=1e-10)


@pytest.mark.slow  # compiles with JAX
def test_on_jax_nothing_crosses_between_host_and_device_implicitly():
    """After a warm-up call, update_batches and update place their inputs explicitly, keep
    the training set, parameters and moments on the device, and fetch their results
    explicitly: under jax.transfer_guard("disallow") they run, with C's numbers. The
    negative control, the compiled scan fed a NumPy block as PyTensor's JAX functions are
    by default, trips the guard."""
    jax = pytest.importorskip("jax")
    vae, c = pair(True, "float64", mode="JAX")[0], pair(True, "float64")[0]
    for model in (vae, c):  # warm-up: the first call sends the parameters over
        model.update(0, 1), model.update_batches(ORDER[:3], 1)
    with jax.transfer_guard("disallow"):
        fused = vae.update_batches(ORDER, 2)
        single = vae.update(4, 2)
        vae.x_train.set_value(vae.x_train.get_value()[::-1].copy())  # a new training set goes over explicitly
        after = vae.update_batches(ORDER[:2], 3)
    assert isinstance(fused, np.ndarray) and isinstance(jax.device_get(vae.params["W_xh"].get_value()), np.ndarray)
    np.testing.assert_allclose(fused, c.update_batches(ORDER, 2), rtol=1e-10)
    np.testing.assert_allclose(single, c.update(4, 2), rtol=1e-10)
    c.x_train.set_value(c.x_train.get_value()[::-1].copy())
    np.testing.assert_allclose(after, c.update_batches(ORDER[:2], 3), rtol=1e-10)

    vae.compiled("update_batches").trust_input = False
    with jax.transfer_guard("disallow"), pytest.raises(Exception, match="Disallowed host-to-device transfer"):
        vae.compiled("update_batches")(vae.rows.host_rows(0)[None], vae._bound_noise(vae.batch_size, 1), 2.0)


def test_update_batches_refuses_bad_batches_before_anything_changes():
    vae, _ = pair(False, "float64")
    before, rng = vae.get_state(), vae.get_rng_state()
    for batches, message in [
        (np.array([], dtype=int), "non-empty 1-D array of integers"),
        (np.array([[1, 2]]), "non-empty 1-D array of integers"),
        (np.array([1.0, 2.0]), "non-empty 1-D array of integers"),
        (np.array([True, False]), "non-empty 1-D array of integers"),
        ("1,2", "non-empty 1-D array of integers"),
        (3, "non-empty 1-D array of integers"),
        ([0, 10], r"batches must lie in \[0, 10\), got values from 0 to 10"),
        ([-1, 2], r"batches must lie in \[0, 10\)"),
        ([[0], [1, 2]], "could not be read as an array"),
    ]:
        with pytest.raises(ValueError, match=message):
            vae.update_batches(batches, 1)
    with pytest.raises(ValueError, match="epoch must be positive"):
        vae.update_batches([0, 1], 0)
    assert vae.get_rng_state() == rng
    for key, value in vae.get_state().items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


@pytest.mark.parametrize("optimizer, moments", [("adam", 3), ("adagrad", 2)])
def test_update_batches_on_c_updates_its_state_in_place(optimizer, moments):
    """On C the scan carries each parameter and moment as one buffer that the step
    updates in place, as ``update`` does (``backend.scan_mode``). That leans on
    PyTensor's scan rewrites (one-slot buffers become untraced recurrences, which
    the scan may destroy): this test fails if a PyTensor release stops doing it."""
    from pytensor.scan.op import Scan

    from vae_theano.backends.ops import AdamStep

    vae, _ = pair(False, "float64", optimizer=optimizer)
    vae.update_batches(ORDER[:2], 1)
    [scan] = [n for n in vae.compiled("update_batches").maker.fgraph.apply_nodes if isinstance(n.op, Scan)]
    n_state = moments * len(vae.params)
    assert scan.op.info.n_untraced_sit_sot == n_state
    assert scan.op.info.sit_sot_in_slices == ()
    assert len(scan.op.destroy_map) == n_state
    if optimizer == "adam":
        steps = [n.op for n in scan.op.fn.maker.fgraph.apply_nodes if isinstance(n.op, AdamStep)]
        assert len(steps) == len(vae.params) and all(op.inplace for op in steps)
