"""The VAE class: gradients, stability, noise, saving and loading, bad input."""

import os
import pickle
import warnings

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from vae_theano import VAE


def small_vae(x, continuous=False, **kwargs):
    kwargs.setdefault("batch_size", 10)
    return VAE(continuous, 5, 4, 2, x, dtype="float64", **kwargs)


def gaussian_data(n=20, d=6):
    return np.random.RandomState(1).normal(0.5, 0.3, size=(n, d))


# -- the maths ---------------------------------------------------------------

@pytest.mark.parametrize("continuous", [False, True])
def test_gradients_match_finite_differences(continuous, tiny_binary):
    """pytensor.grad of the bound (fixed eps) against central differences."""
    x = gaussian_data() if continuous else tiny_binary
    vae = small_vae(x, continuous, lam=0.1)
    for p in vae.params.values():  # move off the all-zero biases and tiny weights
        p.set_value(p.get_value() + np.random.RandomState(3).normal(0, 0.3, p.get_value().shape))
    xs, eps = pt.matrix("x"), pt.matrix("eps")
    bound = vae.lower_bound(xs, eps)
    params = list(vae.params.values())
    f = pytensor.function([xs, eps], bound.logpx, mode=vae.mode)
    g = pytensor.function([xs, eps], pytensor.grad(bound.logpx, params), mode=vae.mode)
    xb, e = x[:10], np.random.RandomState(4).normal(size=(10, 2))
    grads = g(xb, e)
    pick = np.random.RandomState(5)
    h = 1e-6
    for p, grad in zip(params, grads):
        value = p.get_value()
        for _ in range(4):
            i = tuple(pick.randint(s) for s in value.shape)
            shifted = value.copy()
            shifted[i] += h
            p.set_value(shifted)
            up = f(xb, e)
            shifted[i] -= 2 * h
            p.set_value(shifted)
            down = f(xb, e)
            p.set_value(value)
            np.testing.assert_allclose(grad[i], (up - down) / (2 * h), rtol=1e-5, atol=1e-7,
                                       err_msg=f"{p.name}{list(i)}")


def test_verify_grad_of_the_gaussian_log_likelihood():
    """The decoder's Gaussian log density, differentiated in its mean and log variance."""
    vae = small_vae(gaussian_data(), continuous=True)
    x = gaussian_data(10)

    def logpxz_sum(b_hxmu, b_hxsigma):
        vae.params["b_hxmu"], saved_mu = b_hxmu, vae.params["b_hxmu"]
        vae.params["b_hxsigma"], saved_sigma = b_hxsigma, vae.params["b_hxsigma"]
        try:
            return vae.decoder(pt.as_tensor(x), pt.as_tensor(np.ones((10, 2))))[1].sum()
        finally:
            vae.params["b_hxmu"], vae.params["b_hxsigma"] = saved_mu, saved_sigma

    rs = np.random.RandomState(0)
    pytensor.gradient.verify_grad(logpxz_sum, [rs.normal(size=6), rs.normal(size=6)], rng=rs,
                                  mode=vae.mode)


def test_bernoulli_bound_is_finite_where_sigmoid_then_log_is_not(tiny_binary):
    """Saturated decoder outputs: log(sigmoid(a)) underflows; x a - softplus(a) does not."""
    vae = small_vae(tiny_binary)
    b = np.where(tiny_binary[0] > 0.5, -800.0, 800.0)  # confidently wrong on every pixel
    vae.params["b_hx"].set_value(b)
    vae.params["W_hx"].set_value(np.zeros((4, 6)))  # so the logits are exactly b

    with np.errstate(over="ignore"):
        r = 1 / (1 + np.exp(-b))  # what binary_crossentropy(sigmoid(a), x) would see
    with np.errstate(divide="ignore", invalid="ignore"):
        naive = np.sum(tiny_binary[0] * np.log(r) + (1 - tiny_binary[0]) * np.log(1 - r))
    assert not np.isfinite(naive)

    xs = pt.matrix("x")
    bound = vae.lower_bound(xs, pt.zeros((1, 2)))
    f = pytensor.function([xs], [bound.logpxz] + pytensor.grad(bound.logpx, list(vae.params.values())),
                          mode=vae.mode)
    logpxz, *grads = f(tiny_binary[:1])
    exact = np.sum(tiny_binary[0] * b - np.logaddexp(0, b))  # a little above -800 per pixel
    np.testing.assert_allclose(logpxz[0], exact, rtol=1e-12)
    assert all(np.all(np.isfinite(g)) for g in grads)
    np.testing.assert_allclose(grads[-1], tiny_binary[0] - r)  # d/db_hx = x - sigmoid(a)


def test_gaussian_log_density_is_the_normal_pdf():
    from scipy.stats import norm

    x = gaussian_data()
    vae = small_vae(x, continuous=True)
    rs = np.random.RandomState(2)
    mean, log_var = rs.normal(size=6), rs.normal(size=6)
    vae.params["b_hxmu"].set_value(mean)
    vae.params["b_hxsigma"].set_value(log_var)
    for name in ("W_hxmu", "W_hxsigma"):
        vae.params[name].set_value(np.zeros_like(vae.params[name].get_value()))
    xs = pt.matrix("x")
    f = pytensor.function([xs], vae.decoder(xs, pt.zeros((3, 2)))[1], mode=vae.mode)
    want = norm.logpdf(x[:3], loc=mean, scale=np.exp(0.5 * log_var)).sum(axis=1)
    np.testing.assert_allclose(f(x[:3]), want, rtol=1e-12)


def test_the_densities_are_scipys():
    """formulas' two densities, which the decoder, the estimators, wake-sleep and HMC share."""
    from scipy.stats import norm

    from vae_theano.formulas import gaussian_log_density, standard_normal_log_density

    rs = np.random.RandomState(3)
    x, mean, log_var = rs.normal(size=(3, 4, 5)) * [[[3.0]], [[1.0]], [[2.0]]]
    xs, ms, vs = pt.tensor3("x"), pt.tensor3("m"), pt.tensor3("v")
    got = pytensor.function([xs, ms, vs], gaussian_log_density(xs, ms, vs))(x[None], mean[None], log_var[None])[0]
    np.testing.assert_allclose(got, norm.logpdf(x, loc=mean, scale=np.exp(0.5 * log_var)), rtol=1e-13)
    np.testing.assert_allclose(pytensor.function([xs], standard_normal_log_density(xs))(x[None])[0], norm.logpdf(x),
                               rtol=1e-13)


def test_the_decoder_gives_back_its_distribution(tiny_binary):
    """``decoder_distribution``: the Bernoulli decoder's probabilities and logits, the Gaussian
    decoder's mean and log-variance, the same numbers ``decoder`` scores x with."""
    from scipy.stats import norm

    z = np.random.RandomState(4).normal(size=(3, 2))
    zs = pt.matrix("z")
    bernoulli = small_vae(tiny_binary)
    p = bernoulli.decoder_distribution(zs)
    mean, logits = pytensor.function([zs], [p.mean, p.logits])(z)
    assert p.log_var is None
    np.testing.assert_allclose(mean, 1 / (1 + np.exp(-logits)), rtol=1e-12)
    np.testing.assert_allclose(mean, bernoulli.decode(z), rtol=1e-12)
    gaussian = small_vae(gaussian_data(), continuous=True)
    p = gaussian.decoder_distribution(zs)
    mean, log_var = pytensor.function([zs], [p.mean, p.log_var])(z)
    assert p.logits is None and mean.shape == log_var.shape == (3, 6)
    xs = pt.matrix("x")
    logpxz = pytensor.function([xs, zs], gaussian.decoder(xs, zs)[1])(gaussian_data()[:3], z)
    want = norm.logpdf(gaussian_data()[:3], loc=mean, scale=np.exp(0.5 * log_var)).sum(axis=1)
    np.testing.assert_allclose(logpxz, want, rtol=1e-10)
    assert bernoulli.decoder_params == ("W_zh", "b_zh", "W_hx", "b_hx")
    assert gaussian.decoder_params == ("W_zh", "b_zh", "W_hxmu", "b_hxmu", "W_hxsigma", "b_hxsigma")


def test_relu_passes_the_gradient_at_zero():
    from vae_theano.vae import relu

    a = pt.vector("a")
    g = pytensor.function([a], pytensor.grad(relu(a).sum(), a))
    np.testing.assert_array_equal(g(np.array([-1.0, 0.0, 2.0])), [0.0, 1.0, 1.0])


# -- random numbers ----------------------------------------------------------

def test_every_call_draws_fresh_noise(tiny_binary):
    vae = small_vae(tiny_binary)
    assert not np.array_equal(vae.encode(tiny_binary[:10]), vae.encode(tiny_binary[:10]))
    assert vae.likelihood(tiny_binary) != vae.likelihood(tiny_binary)
    state = vae.srng.get_value().bit_generator.state
    vae.update(0, 1)
    assert vae.srng.get_value().bit_generator.state != state


def test_identically_seeded_models_give_identical_numbers(tiny_binary):
    def run(seed):
        vae = small_vae(tiny_binary, seed=seed)
        bounds = [vae.update(b, e) for e in (1, 2) for b in (0, 1)]
        return bounds, vae.encode(tiny_binary), vae.params["W_xh"].get_value()

    first, second, other = run(42), run(42), run(7)
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(first[2], second[2])
    assert first[0] != other[0]


def test_our_code_raises_no_deprecation_warnings(tiny_binary):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vae = small_vae(tiny_binary)
        vae.update(0, 1), vae.encode(tiny_binary), vae.likelihood(tiny_binary)
        vae.update_batches(np.array([0, 1]), 1)
    ours = [w for w in caught if issubclass(w.category, (DeprecationWarning, FutureWarning))]
    assert not ours, [str(w.message) for w in ours]


# -- compiled functions ------------------------------------------------------

def test_shapes_and_attributes(tiny_binary):
    vae = small_vae(tiny_binary)
    assert (vae.N, vae.features, vae.n_batches) == (20, 6, 2)
    assert list(vae.params) == ["W_xh", "b_xh", "W_hmu", "b_hmu", "W_hsigma", "b_hsigma",
                                "W_zh", "b_zh", "W_hx", "b_hx"]
    assert list(vae.m) == list(vae.v) == list(vae.params)
    np.testing.assert_array_equal(vae.x_train.get_value(), tiny_binary)
    assert vae.encode(tiny_binary[:3]).shape == (3, 2)
    assert vae.decode(np.zeros((4, 2))).shape == (4, 6)
    assert np.ndim(vae.likelihood(tiny_binary)) == 0
    assert vae.transform_data(tiny_binary[:13]).shape == (13, 2)


def test_gaussian_model_has_only_gaussian_output_weights():
    vae = small_vae(gaussian_data(), continuous=True)
    assert list(vae.params)[-4:] == ["W_hxmu", "b_hxmu", "W_hxsigma", "b_hxsigma"]
    assert "W_hx" not in vae.params


def test_training_raises_the_bound():
    """Two binary prototypes: the bound climbs from 6 log(1/2) towards -log 2."""
    x = np.tile([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], (50, 1)).astype(float)
    vae = VAE(False, 20, 20, 2, x, batch_size=10, learning_rate=0.01, dtype="float64")
    first = np.mean([vae.update(b, 1) for b in range(vae.n_batches)])
    for epoch in range(2, 30):
        last = np.mean([vae.update(b, epoch) for b in range(vae.n_batches)])
    assert first < -4 and last > -2.5


def test_remainder_rows_are_announced(tiny_binary):
    with pytest.warns(UserWarning, match="never visits the last 6 rows"):
        vae = VAE(False, 5, 4, 2, tiny_binary, batch_size=7)
    assert vae.n_batches == 2


# -- saving and loading ------------------------------------------------------

def test_save_and_load_round_trip(tmp_path, tiny_binary):
    vae = small_vae(tiny_binary)
    vae.update(0, 1)
    target = vae.save_parameters(tmp_path)
    assert os.path.basename(target) == "params.npz"
    assert [p.name for p in tmp_path.iterdir()] == ["params.npz"]  # no temporary left
    other = small_vae(tiny_binary, seed=3)
    other.load_parameters(tmp_path)
    for group in ("params", "m", "v"):
        for name, var in getattr(vae, group).items():
            np.testing.assert_array_equal(getattr(other, group)[name].get_value(), var.get_value())
    np.testing.assert_array_equal(other.decode(np.ones((2, 2))), vae.decode(np.ones((2, 2))))


def test_loads_the_originals_pickles(tmp_path, tiny_binary):
    vae = small_vae(tiny_binary)
    rs = np.random.RandomState(9)
    saved = {}
    for group in ("params", "m", "v"):
        saved[group] = {n: rs.normal(size=p.get_value().shape).astype("float32")
                        for n, p in vae.params.items()}
        with open(tmp_path / f"{group}.pkl", "wb") as f:
            pickle.dump(saved[group], f, protocol=2)
    vae.load_parameters(tmp_path)
    for group in ("params", "m", "v"):
        for name, value in saved[group].items():
            np.testing.assert_array_equal(getattr(vae, group)[name].get_value(), value)
            assert getattr(vae, group)[name].get_value().dtype == np.float64


class _Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_pickle_that_would_run_code_is_refused(tmp_path, tiny_binary):
    vae = small_vae(tiny_binary)
    before = vae.params["W_xh"].get_value()
    victim = tmp_path / "created_by_pickle"
    for group in ("params", "m", "v"):
        with open(tmp_path / f"{group}.pkl", "wb") as f:
            pickle.dump({"W_xh": _Exploit(str(victim))}, f, protocol=2)
    with pytest.raises(ValueError, match=r"refusing to load (_?io|builtins)\.open"):
        vae.load_parameters(tmp_path)
    assert not victim.exists()
    np.testing.assert_array_equal(vae.params["W_xh"].get_value(), before)


@pytest.mark.parametrize("damage, message", [
    ("shape", "has shape"), ("missing", "missing"), ("nan", "NaN"), ("dtype", "floating-point"),
    ("truncated", "not a readable parameter archive"),
])
def test_bad_parameter_files_change_nothing(tmp_path, tiny_binary, damage, message):
    vae = small_vae(tiny_binary)
    path = vae.save_parameters(tmp_path)
    arrays = dict(np.load(path))
    if damage == "shape":
        arrays["m/W_zh"] = np.zeros((3, 3))
    elif damage == "missing":
        del arrays["v/b_hx"]
    elif damage == "nan":
        arrays["params/b_xh"] = np.full(5, np.nan)
    elif damage == "dtype":
        arrays["params/b_xh"] = np.zeros(5, dtype=np.int64)
    np.savez(path, **arrays)
    if damage == "truncated":
        data = open(path, "rb").read()
        open(path, "wb").write(data[:len(data) // 2])
    vae.params["W_xh"].set_value(np.full((6, 5), 7.0))
    with pytest.raises(ValueError, match=message):
        vae.load_parameters(tmp_path)
    assert np.all(vae.params["W_xh"].get_value() == 7.0)


def test_missing_parameter_files(tmp_path, tiny_binary):
    with pytest.raises(FileNotFoundError, match="params.pkl"):
        small_vae(tiny_binary).load_parameters(tmp_path)


# -- bad input ---------------------------------------------------------------

@pytest.mark.parametrize("x, message", [
    (np.zeros(20), "must be 2-D"),
    (np.zeros((0, 6)), "empty"),
    (np.full((20, 6), np.nan), "NaN or inf"),
    (np.full((20, 6), np.inf), "NaN or inf"),
    (np.zeros((5, 6)), "fewer than batch_size"),
    (np.full((20, 6), 1.5), r"in \[0, 1\]"),
    (np.full((20, 6), "a"), "real numbers"),
])
def test_bad_training_data(x, message):
    with pytest.raises(ValueError, match=message):
        small_vae(x)


@pytest.mark.parametrize("kwargs, message", [
    (dict(hu_encoder=0), "hu_encoder"), (dict(hu_decoder=-3), "hu_decoder"),
    (dict(n_latent=0), "n_latent"), (dict(batch_size=0), "batch_size"),
    (dict(n_latent=2.5), "n_latent"), (dict(learning_rate=0), "learning_rate"),
    (dict(b1=1.0), "b1"), (dict(b2=-0.1), "b2"), (dict(lam=-1), "lam"), (dict(dtype="int32"), "dtype"),
])
def test_bad_settings(kwargs, message, tiny_binary):
    args = dict(continuous=False, hu_encoder=5, hu_decoder=4, n_latent=2, x_train=tiny_binary, batch_size=10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        VAE(**args)


def test_bad_calls(tiny_binary):
    vae = small_vae(tiny_binary)
    before = vae.params["W_xh"].get_value()
    for call, message in [
        (lambda: vae.likelihood(np.zeros((3, 5))), "3 features per row|5 features per row"),
        (lambda: vae.encode(np.zeros((3, 7))), "7 features"),
        (lambda: vae.encode(np.full((3, 6), np.nan)), "NaN"),
        (lambda: vae.likelihood(np.full((3, 6), 2.0)), r"\[0, 1\]"),
        (lambda: vae.decode(np.zeros((3, 3))), "n_latent=2"),
        (lambda: vae.decode(np.zeros(2)), "n_latent=2"),
        (lambda: vae.update(2, 1), r"batch must be an integer in \[0, 2\)"),
        (lambda: vae.update(0, 0), "epoch must be positive"),
    ]:
        with pytest.raises(ValueError, match=message):
            call()
    np.testing.assert_array_equal(vae.params["W_xh"].get_value(), before)


