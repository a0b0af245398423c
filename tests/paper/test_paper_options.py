"""The paper's choices as model options (tanh units, Adagrad, a sigmoid-bounded Gaussian mean),
each against the independent NumPy implementation, float64 to 1e-10."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from vae_theano import VAE
from reference import numpy_reference as ref

B, D, LATENT = 10, 6, 2


def data(continuous):
    rs = np.random.RandomState(5)
    return rs.uniform(0.05, 0.95, (30, D)) if continuous else (rs.uniform(size=(30, D)) < 0.4).astype(float)


def compiled_step(vae):
    """(x, eps, epoch) -> [logpx, *grads], and (x, eps, epoch) -> logpx with the optimiser's updates."""
    x, eps, epoch = pt.matrix("x"), pt.matrix("eps"), pt.scalar("epoch")
    bound = vae.lower_bound(x, eps)
    grads = pytensor.grad(bound.logpx, list(vae.params.values()))
    values = pytensor.function([x, eps], [bound.logpx, bound.reconstructed_x, *grads], mode=vae.mode)
    step = pytensor.function([x, eps, epoch], bound.logpx, updates=vae.get_updates(grads, epoch),
                             mode=vae.mode, on_unused_input="ignore")
    return values, step


@pytest.mark.parametrize("continuous, activation, bounded_mean, optimizer", [
    (False, "tanh", False, "adagrad"),
    (False, "tanh", False, "adam"),
    (True, "tanh", True, "adagrad"),
    (True, "relu", True, "adam"),
])
def test_options_match_numpy(continuous, activation, bounded_mean, optimizer):
    x = data(continuous)
    vae = VAE(continuous, 5, 4, LATENT, x, batch_size=B, lam=0.3, learning_rate=0.02, dtype="float64",
              activation=activation, optimizer=optimizer, bounded_mean=bounded_mean)
    params = {k: p.get_value() for k, p in vae.params.items()}
    m = {k: np.zeros_like(p) for k, p in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    values, step = compiled_step(vae)
    rs = np.random.RandomState(6)
    for number, batch in enumerate([0, 2, 1, 0], start=1):
        rows, eps = x[batch * B:(batch + 1) * B], rs.normal(size=(B, LATENT))
        want = ref.forward_backward(params, rows, eps, activation=activation, bounded_mean=bounded_mean)
        got = values(rows, eps)
        np.testing.assert_allclose(got[0], want["logpx"], rtol=1e-10)
        np.testing.assert_allclose(got[1], want["reconstructed_x"], rtol=1e-10)
        for name, g in zip(vae.params, got[2:]):
            np.testing.assert_allclose(g, want["grads"][name], rtol=1e-9,
                                       atol=1e-10 * np.abs(want["grads"][name]).max(), err_msg=name)
        assert step(rows, eps, number) == pytest.approx(want["logpx"], rel=1e-10)
        if optimizer == "adagrad":
            params, v = ref.adagrad_step(params, v, want["grads"], learning_rate=0.02, lam=0.3, N=len(x))
        else:
            params, m, v = ref.adam_step(params, m, v, want["grads"], number, learning_rate=0.02,
                                         lam=0.3, batch_size=B, N=len(x))
        for name, p in vae.params.items():
            np.testing.assert_allclose(p.get_value(), params[name], rtol=1e-9, atol=1e-12, err_msg=name)
            np.testing.assert_allclose(vae.v[name].get_value(), v[name], rtol=1e-9, atol=1e-15, err_msg=name)
    z = rs.normal(size=(4, LATENT))
    np.testing.assert_allclose(vae.decode(z), ref.decode(params, z, activation, bounded_mean), rtol=1e-10)
    if bounded_mean:
        assert np.all((vae.decode(z * 100) > 0) & (vae.decode(z * 100) < 1))


def test_update_batches_with_the_papers_options_equals_the_loop():
    x = data(True)
    a, b = (VAE(True, 5, 4, LATENT, x, batch_size=B, dtype="float64", activation="tanh",
                optimizer="adagrad", bounded_mean=True, learning_rate=0.02) for _ in range(2))
    loop = [a.update(i, 1) for i in (2, 0, 1)]
    np.testing.assert_allclose(b.update_batches(np.array([2, 0, 1]), 1), loop, rtol=1e-12)
    for key, value in a.get_state().items():
        np.testing.assert_allclose(b.get_state()[key], value, rtol=1e-12, err_msg=key)


def test_defaults_are_the_original_and_bad_options_are_refused():
    vae = VAE(False, 5, 4, LATENT, data(False), batch_size=B)
    assert (vae.activation, vae.optimizer, vae.bounded_mean) == ("relu", "adam", False)
    for kwargs, message in [(dict(activation="sigmoid"), "activation must be 'relu' or 'tanh'"),
                            (dict(optimizer="sgd"), "optimizer must be 'adam' or 'adagrad'"),
                            (dict(bounded_mean="yes"), "bounded_mean must be True or False")]:
        with pytest.raises(ValueError, match=message):
            VAE(False, 5, 4, LATENT, data(False), batch_size=B, **kwargs)


def test_pixel_variance_is_the_gaussian_decoder_with_no_weights_into_its_variance():
    """pixel_variance: log p(x|z) and every gradient are the reference decoder's with W_hxsigma = 0
    (NumPy); the other initial weights are the default model's; a Bernoulli model refuses it."""
    x, rs = data(True), np.random.RandomState(8)
    vae = VAE(True, 5, 4, LATENT, x, batch_size=B, dtype="float64", activation="tanh", bounded_mean=True,
              pixel_variance=True)
    default = VAE(True, 5, 4, LATENT, x, batch_size=B, dtype="float64", activation="tanh", bounded_mean=True)
    assert list(vae.params) == [name for name in default.params if name != "W_hxsigma"]
    for name, p in vae.params.items():
        np.testing.assert_array_equal(p.get_value(), default.params[name].get_value(), err_msg=name)
    vae.params["b_hxsigma"].set_value(rs.normal(-1, 0.5, D))
    params = {k: p.get_value() for k, p in vae.params.items()}
    values, _ = compiled_step(vae)
    rows, eps = x[:B], rs.normal(size=(B, LATENT))
    want = ref.forward_backward({**params, "W_hxsigma": np.zeros((4, D))}, rows, eps, activation="tanh",
                                bounded_mean=True)
    got = values(rows, eps)
    np.testing.assert_allclose(got[0], want["logpx"], rtol=1e-10)
    for name, g in zip(vae.params, got[2:]):
        np.testing.assert_allclose(g, want["grads"][name], rtol=1e-9, atol=1e-10 * np.abs(want["grads"][name]).max(),
                                   err_msg=name)
    with pytest.raises(ValueError, match=r"pixel_variance applies to the Gaussian decoder \(continuous=True\) only"):
        VAE(False, 5, 4, LATENT, data(False), batch_size=B, pixel_variance=True)
