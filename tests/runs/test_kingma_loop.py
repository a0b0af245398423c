"""Kingma's training loop of the paper's time (anglepy's ``step_va``) as options of ours: rows drawn
with replacement, and the Adagrad warm-up; the options' checks and old checkpoints."""

import numpy as np
import pytensor
import pytest

from vae_theano import VAE
from vae_theano.runs.config import RunConfig
from vae_theano.runs.methods import AEVB
from vae_theano.runs.training import train, warm_up_optimizer
from reference import numpy_reference as ref

B, D = 10, 6


def config(**settings):
    return RunConfig(dataset="synthetic", continuous=False, N=40, features=D, hu_encoder=5, hu_decoder=4,
                     n_latent=2, batch_size=B, dtype="float64", optimizer="adagrad", activation="tanh", lam=0.3,
                     learning_rate=0.02, **settings)


def data():
    return (np.random.RandomState(5).uniform(size=(40, D)) < 0.4).astype(float)


def test_warm_up_fills_adagrads_sum_with_gradients_at_the_initial_weights():
    """After the warm-up the weights are the initial ones and Adagrad's sum of squares holds the
    squared gradients (bound plus weight prior) of each warm-up batch at the initial weights (NumPy)."""
    x = data()
    vae = config().build_model(x)
    initial = {k: p.get_value() for k, p in vae.params.items()}
    generator = np.random.default_rng()
    generator.bit_generator.state = vae.srng.get_value().bit_generator.state
    batches = [2, 0, 2]
    warm_up_optimizer(AEVB(vae), np.array(batches))
    v = {k: np.zeros_like(p) for k, p in initial.items()}
    for batch in batches:
        eps = generator.normal(0.0, 1.0, size=(B, 2))
        grads = ref.forward_backward(initial, x[batch * B:(batch + 1) * B], eps, activation="tanh")["grads"]
        _, v = ref.adagrad_step(initial, v, grads, learning_rate=0.02, lam=0.3, N=len(x))
    for name, p in vae.params.items():
        np.testing.assert_array_equal(p.get_value(), initial[name], err_msg=name)
        np.testing.assert_allclose(vae.v[name].get_value(), v[name], rtol=1e-9, atol=1e-15, err_msg=name)
    assert all(np.any(v[name]) for name in v)


def test_rows_drawn_afresh_each_epoch_and_the_run_resumes_exactly(tmp_path):
    """with-replacement: each epoch's rows are draws from the training rows, some twice; shuffled-rows:
    each row once, in a new order; either resumes to the numbers of an uninterrupted run."""
    x = data() + np.arange(40)[:, None] * 1e-3  # every row told apart from every other
    x = np.clip(x, 0, 1)
    cfg = config(sampling="with-replacement", warm_up=3)
    straight = cfg.build_model(x)
    history = train(straight, x[:10], 3, tmp_path / "straight", cfg, log=lambda s: None)
    rows = straight.x_train.get_value()
    index = {tuple(row): i for i, row in enumerate(x)}
    drawn = [index[tuple(row)] for row in rows]  # every row is one of the training rows...
    assert len(set(drawn)) < len(x)  # ...some twice, some not at all (40 draws from 40: P(no repeat) ~ 1e-16)

    resumed = cfg.build_model(x)
    train(resumed, x[:10], 1, tmp_path / "resumed", cfg, log=lambda s: None)
    first = resumed.x_train.get_value()
    resumed = cfg.build_model(x)
    again = train(resumed, x[:10], 3, tmp_path / "resumed", cfg, log=lambda s: None)
    assert not np.array_equal(first, rows)  # a fresh draw each epoch
    assert again == [dict(h, seconds=a["seconds"]) for h, a in zip(history, again)]
    for key, value in straight.get_state().items():
        np.testing.assert_array_equal(resumed.get_state()[key], value, err_msg=key)

    shuffled = config(sampling="shuffled-rows").build_model(x)
    permuted = train(shuffled, x[:10], 2, tmp_path / "shuffled", config(sampling="shuffled-rows"), log=lambda s: None)
    drawn = sorted(index[tuple(row)] for row in shuffled.x_train.get_value())
    assert drawn == list(range(len(x))) and not np.array_equal(shuffled.x_train.get_value(), x)  # each row once
    assert [h["train_bound"] for h in permuted] != [h["train_bound"] for h in history[:2]]

    epochs = config().build_model(x)
    walked = train(epochs, x[:10], 3, tmp_path / "epochs", config(), log=lambda s: None)
    np.testing.assert_array_equal(epochs.x_train.get_value(), x)  # the default walks the rows as given
    assert [h["train_bound"] for h in walked] != [h["train_bound"] for h in history]


def test_the_loops_options_are_checked_and_old_checkpoints_take_the_defaults():
    with pytest.raises(ValueError, match="sampling must be 'epochs' or 'shuffled-rows' or 'with-replacement', got 'b"):
        config(sampling="bootstrap")
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="warm_up must be a whole number of minibatches"):
            config(warm_up=bad)
    saved = config().to_dict()
    del saved["sampling"], saved["warm_up"]
    assert RunConfig.from_saved(saved) == config()
    assert config().differences(config(warm_up=100)) == ["warm_up: checkpoint has 0, this run asks for 100"]


def test_initial_weights_wider_or_with_the_log_variance_at_zero():
    """init_std scales every initial weight; zero_log_var zeroes W_hsigma alone and draws the
    rest as before (the draws keep their order)."""
    x = data()
    build = lambda **options: {k: p.get_value() for k, p in
                               VAE(False, 5, 4, 2, x, batch_size=B, dtype="float64", **options).params.items()}
    default, wide, zero = build(), build(init_std=0.03), build(zero_log_var=True)
    assert default["W_xh"].std() == pytest.approx(0.01, rel=0.2)
    for name, value in default.items():
        np.testing.assert_allclose(wide[name], 3 * value, rtol=1e-14, err_msg=name)
        if name == "W_hsigma":
            assert not np.any(zero[name]) and np.any(value)
        else:
            np.testing.assert_array_equal(zero[name], value, err_msg=name)
    with pytest.raises(ValueError, match="init_std must be positive and finite, got 0"):
        build(init_std=0)


def test_log_var_factor_scales_the_encoders_log_variance_weights():
    """log_var_factor c: log-variance c W_hsigma h + b_hsigma (Kingma's wake-sleep recognition model,
    c = 0.1). The bound equals NumPy's (``numpy_reference``) for the weights c W_hsigma, and by the chain
    rule its gradient in W_hsigma is c times NumPy's there; every other gradient is NumPy's."""
    x, c = data(), 0.1
    vae = VAE(False, 5, 4, 2, x, batch_size=B, dtype="float64", log_var_factor=c, activation="tanh")
    params = {name: p.get_value() for name, p in vae.params.items()}
    params["W_hsigma"] = params["W_hsigma"] + np.random.RandomState(2).normal(0, 0.3, params["W_hsigma"].shape)
    for name, value in params.items():
        vae.params[name].set_value(value)
    eps = np.random.RandomState(3).standard_normal((B, 2))
    x_in, eps_in = pytensor.tensor.matrix("x", dtype="float64"), pytensor.tensor.matrix("eps", dtype="float64")
    logpx = vae.lower_bound(x_in, eps_in).logpx
    names = list(vae.params)
    f = pytensor.function([x_in, eps_in], [logpx] + pytensor.grad(logpx, [vae.params[n] for n in names]))
    got, *grads = f(x[:B], eps)
    want = ref.forward_backward(dict(params, W_hsigma=c * params["W_hsigma"]), x[:B], eps, activation="tanh")
    assert got == pytest.approx(want["logpx"], rel=1e-12)
    np.testing.assert_allclose(vae.encode_mean(x[:B])[1], want["log_sigma"], rtol=1e-12)
    for name, grad in zip(names, grads):
        expected = want["grads"][name] * (c if name == "W_hsigma" else 1.0)
        np.testing.assert_allclose(grad, expected, rtol=1e-9, atol=1e-12, err_msg=name)
    with pytest.raises(ValueError, match="log_var_factor must be positive and finite, got 0"):
        VAE(False, 5, 4, 2, x, batch_size=B, log_var_factor=0)


def test_mcem_refuses_the_rows_drawn_afresh_and_the_warm_up():
    """MCEM keeps a Markov chain per training row: rows that move between epochs would hand a
    row another's chain."""
    for settings in (dict(sampling="shuffled-rows"), dict(sampling="with-replacement"), dict(warm_up=5)):
        with pytest.raises(ValueError, match="MCEM keeps a chain per training row"):
            config(method="mcem", **settings)
    assert config(method="mcem").method == "mcem"


def test_dreaming_after_the_wake_update_is_wake_sleeps_alone_and_old_runs_dream_before():
    for method in ("aevb", "mcem"):
        with pytest.raises(ValueError, match=f"dream_after_wake is a setting of wake-sleep, not of method '{method}'"):
            config(method=method, dream_after_wake=True)
    assert config(method="wake-sleep", dream_after_wake=True).dream_after_wake
    saved = config(method="wake-sleep").to_dict()
    del saved["dream_after_wake"]  # a checkpoint of before the setting
    assert RunConfig.from_saved(saved).dream_after_wake is False
