"""The paper's baselines and estimator: wake-sleep, Monte Carlo EM with HMC, and the HMC
marginal likelihood, each against an independent NumPy computation or exact quadrature."""

import numpy as np
import pytest

from vae_theano import VAE
from reference import numpy_reference as ref
from vae_theano.evaluate import log_likelihood
from vae_theano.paper.hmc import log_joint_function, transition
from vae_theano.paper.marginal_likelihood import hmc_marginal_likelihood
from vae_theano.paper.mcem import MCEM
from vae_theano.paper.wake_sleep import WakeSleep

B, D = 10, 6


def data(continuous, n=30, seed=5):
    rs = np.random.RandomState(seed)
    return rs.uniform(0.05, 0.95, (n, D)) if continuous else (rs.uniform(size=(n, D)) < 0.4).astype(float)


def model(continuous, optimizer, n_latent=2, **kwargs):
    return VAE(continuous, 5, 4, n_latent, data(continuous), batch_size=B, lam=0.3, learning_rate=0.02,
               dtype="float64", activation="tanh", optimizer=optimizer, bounded_mean=continuous, **kwargs)


def copy_of(generator_state):
    generator = np.random.default_rng()
    generator.bit_generator.state = generator_state
    return generator


def optimiser_step(optimizer, params, m, v, grads, epoch, N):
    if optimizer == "adagrad":
        params, v = ref.adagrad_step(params, v, grads, learning_rate=0.02, lam=0.3, N=N)
        return params, m, v
    return ref.adam_step(params, m, v, grads, epoch, learning_rate=0.02, lam=0.3, batch_size=B, N=N)


@pytest.mark.parametrize("continuous, optimizer, dream_after_wake", [
    (False, "adagrad", False), (True, "adagrad", False), (False, "adam", False),
    (True, "adagrad", True), (True, "adam", True)])
def test_wake_sleep_step_matches_numpy(continuous, optimizer, dream_after_wake):
    """One step, both phases from the parameters before it; or (Kingma's order) the wake
    update first, and the dream from the generative model it gave (Gaussian dreams: a
    Bernoulli dream, a threshold, seldom moves with one small step)."""
    vae = model(continuous, optimizer)
    method = WakeSleep(vae, dream_after_wake=dream_after_wake)
    x = vae.x_train.get_value()
    params = {k: p.get_value() for k, p in vae.params.items()}
    m = {k: np.zeros_like(p) for k, p in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    for epoch, batch in [(1, 0), (1, 2), (2, 1)]:
        draws = copy_of(vae.get_rng_state())  # the model's own noise, replayed
        eps, z_dream = draws.normal(0.0, 1.0, (B, 2)), draws.normal(0.0, 1.0, (B, 2))
        noise = draws.standard_normal((B, D)) if continuous else draws.random((B, D))
        rows = x[batch * B:(batch + 1) * B]
        elbo = ref.forward_backward(params, rows, eps, "tanh", continuous)
        z = elbo["mu"] + np.exp(0.5 * elbo["log_sigma"]) * eps
        _, wake = ref.decoder_grads(params, rows, z, "tanh", continuous)
        after_wake, m_wake, v_wake = optimiser_step(optimizer, params, m, v, wake, epoch, len(x))
        x_dream = ref.dream(after_wake if dream_after_wake else params, z_dream, noise, "tanh", continuous)
        _, sleep = ref.recognition_grads(params, x_dream, z_dream, "tanh")
        assert set(wake) | set(sleep) == set(params) and not set(wake) & set(sleep)
        assert method.update(batch, epoch) == pytest.approx(elbo["logpx"], rel=1e-10)
        params, m, v = optimiser_step(optimizer, after_wake, m_wake, v_wake, sleep, epoch, len(x))
        for name, p in vae.params.items():
            np.testing.assert_allclose(p.get_value(), params[name], rtol=1e-9, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("continuous, optimizer", [(False, "adagrad"), (True, "adam")])
def test_mcem_step_matches_numpy(continuous, optimizer):
    vae = model(continuous, optimizer)
    method = MCEM(vae, leapfrog_steps=10, weight_updates=5, seed=3)
    x = vae.x_train.get_value()
    params = {k: p.get_value() for k, p in vae.params.items()}
    m = {k: np.zeros_like(p) for k, p in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    z_all, step_all = method.z.astype(np.float64), method.step_size.copy()
    encoder_before = {k: vae.params[k].get_value() for k in ("W_xh", "W_hmu", "W_hsigma")}
    for epoch, batch in [(1, 1), (1, 0), (2, 1)]:
        draws = copy_of(method.get_state()["rng"])
        rows, sl = x[batch * B:(batch + 1) * B], slice(batch * B, (batch + 1) * B)
        z, accepted, probability, log_p = transition(
            lambda z: ref.log_joint(params, rows, z, "tanh", continuous), z_all[sl], step_size=step_all[sl],
            leapfrog_steps=10, momentum=draws.standard_normal((B, 2)), uniform=draws.random(B))
        np.testing.assert_allclose(log_p, ref.log_joint(params, rows, z, "tanh", continuous)[0], rtol=1e-12)
        z_all[sl], step_all[sl] = z, step_all[sl] * np.exp(0.2 * (probability - 0.9))
        value = method.update(batch, epoch)
        assert value == pytest.approx(np.mean(ref.log_joint(params, rows, z, "tanh", continuous)[0]), rel=1e-10)
        for _ in range(5):
            _, grads = ref.decoder_grads(params, rows, z, "tanh", continuous)
            params, m, v = optimiser_step(optimizer, params, m, v, grads, epoch, len(x))
        np.testing.assert_allclose(method.z, z_all, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(method.step_size, step_all, rtol=1e-12)
        for name in grads:
            np.testing.assert_allclose(vae.params[name].get_value(), params[name], rtol=1e-9, atol=1e-13,
                                       err_msg=name)
    assert 0 < accepted.sum() and all(np.array_equal(vae.params[k].get_value(), w)
                                      for k, w in encoder_before.items())  # no encoder in MCEM


def test_mcem_state_round_trip_continues_exactly():
    a, b = MCEM(model(False, "adagrad"), seed=1), MCEM(model(False, "adagrad"), seed=2)
    a.update(0, 1)
    b.vae.set_state(a.vae.get_state())
    b.set_state(a.get_state())
    assert a.update(1, 1) == b.update(1, 1)
    with pytest.raises(ValueError, match="MCEM state"):
        b.set_state(dict(a.get_state(), z=np.zeros((3, 2))))


def test_hmc_samples_a_gaussian_and_adapts_to_the_target_acceptance():
    """On log p(z) = -|z|^2 / 2 the chains' states are N(0, I) and the acceptance
    rate settles at the target."""
    rng = np.random.default_rng(0)
    z, step = rng.standard_normal((2000, 2)) * 3, np.full(2000, 1.5)
    gaussian = lambda z: (-0.5 * np.sum(z ** 2, axis=1), -z)
    rates = []
    for i in range(160):  # 60 transitions that adapt the step sizes, then 100 that do not
        z, accepted, probability, _ = transition(gaussian, z, step_size=step, leapfrog_steps=4,
                                                 momentum=rng.standard_normal(z.shape), uniform=rng.random(len(z)))
        if i < 60:
            step *= np.exp(0.2 * (probability - 0.9))
        rates.append(accepted.mean())
    assert abs(np.mean(rates[40:60]) - 0.9) < 0.03
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=4 / np.sqrt(2000))
    np.testing.assert_allclose(z.var(axis=0), 1, atol=0.1)


def test_the_models_log_joint_gradient_matches_numpy():
    vae = model(True, "adagrad")
    params = {k: p.get_value() for k, p in vae.params.items()}
    x, z = vae.x_train.get_value()[:7], np.random.RandomState(2).normal(size=(7, 2))
    got, want = log_joint_function(vae)(x, z), ref.log_joint(params, x, z, "tanh", True)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-12)


def trained_on_prototypes(seed, prototypes, features, rows, flip, n_latent, hidden, batch_size, epochs):
    """A Bernoulli model trained on noisy copies of random binary prototypes, and its data."""
    rs = np.random.RandomState(seed)
    protos = (rs.uniform(size=(prototypes, features)) < 0.5).astype(float)
    x = np.abs(protos[rs.randint(0, prototypes, rows)] - (rs.uniform(size=(rows, features)) < flip))
    vae = VAE(False, hidden, hidden, n_latent, x, batch_size=batch_size, learning_rate=0.01, dtype="float64")
    for epoch in range(1, epochs + 1):
        vae.update_batches(np.arange(vae.n_batches), epoch)
    return vae, x


@pytest.fixture(scope="module")
def trained_2d():
    """A model with a 2-D latent, trained on four noisy prototypes."""
    return trained_on_prototypes(0, 4, 16, 400, 0.1, n_latent=2, hidden=20, batch_size=20, epochs=30)


def exact_log_marginal(vae, rows, region=lambda z: True):
    """log p(x) = log of the integral of p(x|z) p(z) over a 281 x 281 grid on [-7, 7]^2
    (over the part of it where ``region(z)`` holds, if given)."""
    grid = np.linspace(-7, 7, 281)
    z = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    z = z[np.broadcast_to(region(z), len(z))]
    f = log_joint_function(vae)
    out = []
    for row in rows:
        lj = f(np.repeat(row[None], len(z), 0), z)[0]
        out.append(lj.max() + np.log(np.exp(lj - lj.max()).sum() * (grid[1] - grid[0]) ** 2))
    return np.array(out)


def test_hmc_marginal_likelihood_converges_to_exact_quadrature(trained_2d):
    vae, x = trained_2d
    rows = x[:8]
    exact = exact_log_marginal(vae, rows)
    # The estimator is consistent: its error shrinks with the samples (50 is the paper's protocol).
    errors = [np.abs(hmc_marginal_likelihood(vae, rows, posterior_samples=n, seed=1) - exact).max()
              for n in (50, 1000)]
    assert errors[1] < 0.03 and errors[1] < errors[0] < 0.5, errors


def test_hmc_marginal_likelihood_agrees_with_importance_sampling_on_a_3d_latent():
    vae, x = trained_on_prototypes(1, 6, 30, 600, 0.08, n_latent=3, hidden=40, batch_size=30, epochs=20)
    rows = x[:20]
    hmc = hmc_marginal_likelihood(vae, rows, posterior_samples=500, seed=0)
    importance = log_likelihood(vae, rows, k=5000, progress=False)
    assert abs(np.mean(hmc - importance)) < 0.05 and np.abs(hmc - importance).max() < 0.2, hmc - importance


def two_bump_model(rows=3, features=20, k=8.0):
    """A decoder whose posterior, for all-ones images, has a major mode (z1 in [0.5, 2]) and a
    minor one (z1 in [-2, -0.5], 6 nats less likely) with a 55-nat valley between them, and an
    encoder whose mean sits in the minor mode: the trap that MCEM's decoders set the chains."""
    x = np.ones((rows, features))
    vae = VAE(False, 4, 4, 2, x, batch_size=rows, dtype="float64", activation="tanh")
    edges = np.array([0.5, 2.0, -2.0, -0.5])
    height = np.array([8.0, -8.0, 4.0, -4.0]) / 2  # logit -3 + 8 in the major bump, -3 + 4 in the minor
    set_value = lambda name, value: vae.params[name].set_value(np.asarray(value, dtype=float))
    set_value("W_zh", np.array([np.full(4, k), np.zeros(4)]))
    set_value("b_zh", -k * edges)
    set_value("W_hx", np.repeat(height[:, None], features, axis=1))
    set_value("b_hx", np.full(features, -3.0))
    set_value("W_hmu", np.zeros_like(vae.params["W_hmu"].get_value()))
    set_value("b_hmu", [-1.25, 0.0])
    return vae, x


def test_hmc_marginal_likelihood_finds_the_major_mode_of_a_two_mode_posterior():
    vae, x = two_bump_model()
    exact = exact_log_marginal(vae, x)
    found = hmc_marginal_likelihood(vae, x, seed=0, posterior_samples=500)  # a flat-topped mode: noisier than 2-D Gaussians
    np.testing.assert_allclose(found, exact, atol=0.1)
    # One chain from the encoder's mean (the estimator as first written) measures the minor mode only.
    trapped = hmc_marginal_likelihood(vae, x, seed=0, posterior_samples=500, chains=1, prior_starts=0)
    np.testing.assert_allclose(trapped, exact_log_marginal(vae, x, region=lambda z: z[:, 0] < 0), atol=0.1)


def test_hmc_marginal_likelihood_checks_its_arguments():
    vae, x = two_bump_model()
    for kwargs, message in [(dict(chains=0), "chains must be a positive integer"),
                            (dict(prior_starts=-1), "prior_starts must be a non-negative integer"),
                            (dict(chains=3, prior_starts=1), r"chains \(3\) must be at most prior_starts \+ 1")]:
        with pytest.raises(ValueError, match=message):
            hmc_marginal_likelihood(vae, x, **kwargs)
