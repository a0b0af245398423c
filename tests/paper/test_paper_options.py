"""The paper's choices as model options (tanh units, Adagrad, a sigmoid-bounded Gaussian mean),
and those its experiments were measured against (softplus units, a per-pixel variance, the KL term
sampled), each against the independent NumPy implementation, float64 to 1e-10."""

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
    (True, "softplus", True, "adagrad"),
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
    for kwargs, message in [(dict(activation="sigmoid"), "activation must be 'relu' or 'tanh' or 'softplus'"),
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


def test_log_var_layers_gives_the_decoder_the_encoders_log_variance():
    """log_var_layers="encoder-and-decoder" with log_var_factor c: both log-variances are
    c W h + b, so the bound is NumPy's for the weights c W_hsigma and c W_hxsigma, and by the chain
    rule those two gradients are c times NumPy's; with zero_log_var both start at zero and every
    other initial weight is the default model's. A Bernoulli model refuses the option."""
    x, rs, c = data(True), np.random.RandomState(9), 0.1
    build = lambda **options: VAE(True, 5, 4, LATENT, x, batch_size=B, dtype="float64", activation="tanh",
                                  bounded_mean=True, log_var_factor=c, **options)
    vae, zeroed, encoder_only = (build(log_var_layers="encoder-and-decoder"),
                                 build(log_var_layers="encoder-and-decoder", zero_log_var=True),
                                 build(zero_log_var=True))
    for name, p in zeroed.params.items():
        value = vae.params[name].get_value()
        if name in ("W_hsigma", "W_hxsigma"):
            assert not np.any(p.get_value()) and np.any(value), name
        else:
            np.testing.assert_array_equal(p.get_value(), value, err_msg=name)
    assert np.any(encoder_only.params["W_hxsigma"].get_value())
    for name in ("W_hsigma", "W_hxsigma"):
        vae.params[name].set_value(rs.normal(0, 0.5, vae.params[name].get_value().shape))
    params = {k: p.get_value() for k, p in vae.params.items()}
    values, _ = compiled_step(vae)
    rows, eps = x[:B], rs.normal(size=(B, LATENT))
    scaled = {"W_hsigma": c * params["W_hsigma"], "W_hxsigma": c * params["W_hxsigma"]}
    want = ref.forward_backward({**params, **scaled}, rows, eps, activation="tanh", bounded_mean=True)
    got = values(rows, eps)
    np.testing.assert_allclose(got[0], want["logpx"], rtol=1e-10)
    for name, g in zip(vae.params, got[2:]):
        expected = want["grads"][name] * (c if name in scaled else 1.0)
        np.testing.assert_allclose(g, expected, rtol=1e-9, atol=1e-10 * np.abs(expected).max(), err_msg=name)
    # With the default log_var_layers="encoder", c scales the encoder's log-variance alone.
    for name in ("W_hsigma", "W_hxsigma"):
        encoder_only.params[name].set_value(params[name])
    encoder_params = {k: p.get_value() for k, p in encoder_only.params.items()}
    want = ref.forward_backward({**encoder_params, "W_hsigma": c * encoder_params["W_hsigma"]}, rows, eps,
                                activation="tanh", bounded_mean=True)
    np.testing.assert_allclose(compiled_step(encoder_only)[0](rows, eps)[0], want["logpx"], rtol=1e-10)
    message = r"log_var_layers='encoder-and-decoder' applies to the Gaussian decoder \(continuous=True\) only"
    with pytest.raises(ValueError, match=message):
        VAE(False, 5, 4, LATENT, data(False), batch_size=B, log_var_layers="encoder-and-decoder")
    with pytest.raises(ValueError, match="log_var_layers='encoder-and-decoder' scales W_hxsigma, which "
                                         "pixel_variance leaves out"):
        build(log_var_layers="encoder-and-decoder", pixel_variance=True)
    with pytest.raises(ValueError, match="log_var_layers must be 'encoder' or 'encoder-and-decoder', got 'decoder'"):
        build(log_var_layers="decoder")


@pytest.mark.parametrize("n_samples", [1, 2])
def test_sampled_kl_is_log_prior_minus_log_q_at_the_sampled_z(n_samples):
    """kl="sampled": the bound and every gradient are the NumPy reference's with the KLD term
    log N(z; 0, I) - log q(z|x) at the sampled z (the paper's estimator A), L = 2 the mean of
    the two draws'; the Gaussian decoder, tanh, float64."""
    x, rs = data(True), np.random.RandomState(9)
    vae = VAE(True, 5, 4, LATENT, x, batch_size=B, dtype="float64", activation="tanh", bounded_mean=True,
              kl="sampled", n_samples=n_samples)
    vae.params["b_hsigma"].set_value(rs.normal(-0.5, 0.3, LATENT))  # q(z|x) away from the prior
    vae.params["b_hmu"].set_value(rs.normal(0, 0.5, LATENT))
    params = {k: p.get_value() for k, p in vae.params.items()}
    rows, eps = x[:B], rs.normal(size=(n_samples, B, LATENT))
    eps_var = pt.matrix("eps") if n_samples == 1 else pt.tensor3("eps")
    xv = pt.matrix("x")
    bound = vae.lower_bound(xv, eps_var)
    grads = pytensor.grad(bound.logpx, list(vae.params.values()))
    got = pytensor.function([xv, eps_var], [bound.logpx, bound.KLD, *grads], mode=vae.mode)(
        rows, eps[0] if n_samples == 1 else eps)
    wants = [ref.forward_backward(params, rows, e, activation="tanh", bounded_mean=True, kl="sampled") for e in eps]
    analytic = ref.forward_backward(params, rows, eps[0], activation="tanh", bounded_mean=True)
    np.testing.assert_allclose(got[0], np.mean([w["logpx"] for w in wants]), rtol=1e-10)
    np.testing.assert_allclose(got[1], np.mean([w["KLD"] for w in wants], axis=0), rtol=1e-10)
    assert not np.allclose(got[1], analytic["KLD"], rtol=1e-3)  # a draw's estimate, not the closed form
    for name, g in zip(vae.params, got[2:]):
        want = np.mean([w["grads"][name] for w in wants], axis=0)
        np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-10 * np.abs(want).max(), err_msg=name)


def test_sampled_kl_has_the_analytic_kl_as_its_mean():
    """Over many draws of eps the sampled KLD of each row averages to the closed form
    1/2 sum(1 + log_sigma - mu^2 - exp(log_sigma)) (appendix B), within 5 standard errors."""
    x, rs = data(True), np.random.RandomState(10)
    vae = VAE(True, 5, 4, LATENT, x, batch_size=B, dtype="float64", activation="tanh", bounded_mean=True,
              kl="sampled")
    vae.params["b_hsigma"].set_value(np.array([-1.0, 0.7]))
    vae.params["b_hmu"].set_value(np.array([0.8, -0.4]))
    draws = 20000
    rows = np.repeat(x[:3], draws, axis=0)
    xv, eps_var = pt.matrix("x"), pt.matrix("eps")
    sampled = pytensor.function([xv, eps_var], vae.lower_bound(xv, eps_var).KLD, mode=vae.mode)(
        rows, rs.normal(size=(len(rows), LATENT))).reshape(3, draws)
    closed = ref.forward_backward({k: p.get_value() for k, p in vae.params.items()}, x[:3],
                                  np.zeros((3, LATENT)), activation="tanh", bounded_mean=True)["KLD"]
    standard_error = sampled.std(axis=1) / np.sqrt(draws)
    assert np.all(np.abs(sampled.mean(axis=1) - closed) < 5 * standard_error), (sampled.mean(axis=1), closed)
    assert np.all(standard_error > 1e-3)  # the estimate does vary from draw to draw
