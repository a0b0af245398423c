"""A model from its parameters alone (``VAE(..., x_train=None, features=D)``, ``load_model``):
it encodes, decodes, samples and evaluates like the model that trained, reads no data
set, and refuses to train in one line."""

import os
import pickle

import numpy as np
import pytest

from vae_theano import VAE
from vae_theano.persistence import get_parameters
from vae_theano.runs.checkpoint import load_model
from vae_theano.runs.config import RunConfig
from vae_theano.runs.methods import AEVB
from vae_theano.runs.training import train

X = np.random.RandomState(0).uniform(size=(100, 12))


def synthetic_config(continuous=False, n_latent=3, **settings):
    """The RunConfig of a run on X: 100 rows of 12 values, 8 hidden units, batches of 20."""
    return RunConfig(dataset="synthetic", continuous=continuous, N=100, features=12, hu_encoder=8, hu_decoder=8,
                     n_latent=n_latent, batch_size=20, dtype="float64", **settings)


def trained(**settings):
    vae = VAE(False, 8, 8, 3, X, batch_size=20, dtype="float64", **settings)
    vae.update_batches(np.arange(5), 1)
    return vae


def assert_same_model(a, b):
    z = np.random.default_rng(0).standard_normal((7, a.n_latent))
    np.testing.assert_array_equal(a.decode(z), b.decode(z))
    for left, right in zip(a.encode_mean(X[:9]), b.encode_mean(X[:9])):
        np.testing.assert_array_equal(left, right)


def test_a_model_without_its_training_set_is_the_same_model():
    with_data = VAE(False, 8, 8, 3, X, dtype="float64", seed=3)
    without = VAE(False, 8, 8, 3, None, features=12, dtype="float64", seed=3)
    assert (without.N, without.features, without.x_train) == (0, 12, None)
    assert_same_model(with_data, without)  # the same weights from the same seed
    np.testing.assert_array_equal(with_data.likelihood(X), without.likelihood(X))  # the same noise too
    assert np.isfinite(without.log_likelihood(X[:3], k=20)).all()
    assert without.sample(4, seed=0).shape == (4, 12)


@pytest.mark.parametrize("call, message", [
    (lambda v: v.update(0, 1), "update: this model has no training set"),
    (lambda v: v.update_batches([0], 1), "update_batches: this model has no training set"),
    (lambda v: AEVB(v), "AEVB training: this model has no training set"),
])
def test_training_is_refused_in_one_line_before_anything_changes(call, message):
    vae = VAE(False, 8, 8, 3, None, features=12, dtype="float64")
    before = vae.get_state()
    with pytest.raises(ValueError, match=message + r" \(it was built with x_train=None"):
        call(vae)
    after = vae.get_state()
    assert all(np.array_equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize("x_train, features, message", [
    (None, None, "give x_train, or features"),
    (None, 0, "features must be a positive integer"),
    (X, 11, "features=11, but x_train has 12 values per row"),
])
def test_the_constructor_names_what_is_missing(x_train, features, message):
    with pytest.raises(ValueError, match=message):
        VAE(False, 8, 8, 3, x_train, features=features)


def test_load_model_reads_a_params_file_of_any_kind(tmp_path):
    vae = trained(activation="tanh")
    vae.save_parameters(tmp_path / "full")  # params, m and v
    np.savez(tmp_path / "only.npz", **get_parameters(vae))  # the parameters alone
    legacy = tmp_path / "legacy"  # the original's three pickles
    legacy.mkdir()
    for group in ("params", "m", "v"):
        with open(legacy / f"{group}.pkl", "wb") as f:
            pickle.dump({name: var.get_value() for name, var in getattr(vae, group).items()}, f)
    for source in (tmp_path / "full", tmp_path / "full" / "params.npz", tmp_path / "only.npz", legacy):
        loaded = load_model(source, activation="tanh")
        assert (loaded.hu_encoder, loaded.hu_decoder, loaded.n_latent, loaded.features) == (8, 8, 3, 12)
        assert loaded.dtype == "float64" and not loaded.continuous
        assert_same_model(vae, loaded)
    # What the arrays do not record is the caller's to give: with ReLU it is another model.
    assert not np.array_equal(load_model(tmp_path / "only.npz").decode(np.ones((1, 3))), vae.decode(np.ones((1, 3))))


def test_a_parameters_only_state_leaves_the_moments_alone():
    vae, other = trained(), VAE(False, 8, 8, 3, X, batch_size=20, dtype="float64", seed=5)
    moments = {k: v for k, v in other.get_state().items() if not k.startswith("params/")}
    other.set_state(get_parameters(vae))
    assert_same_model(vae, other)
    after = other.get_state()
    assert all(np.array_equal(after[k], moments[k]) for k in moments)


def test_load_model_rebuilds_a_run_folder_without_its_data(tmp_path, monkeypatch):
    config = synthetic_config(continuous=True, n_latent=2, bounded_mean=True, activation="tanh")
    vae = config.build_model(X)
    train(vae, X[:20], 2, str(tmp_path / "run"), config, log=lambda line: None)
    monkeypatch.setenv("VAE_THEANO_DATA", str(tmp_path / "nowhere"))  # no data set anywhere
    loaded = load_model(str(tmp_path / "run"))
    assert loaded.x_train is None and loaded.bounded_mean and loaded.activation == "tanh"
    assert_same_model(vae, loaded)
    assert loaded.get_rng_state() == vae.get_rng_state()  # the run's noise continues


def test_load_model_refuses_what_is_not_a_model(tmp_path):
    np.savez(tmp_path / "other.npz", **{"params/W_xh": np.ones(3)})
    with pytest.raises(ValueError, match="not a VAE's parameters"):
        load_model(tmp_path / "other.npz")
    with pytest.raises(FileNotFoundError, match="no saved parameters"):
        load_model(tmp_path / "absent.npz")
    with pytest.raises(ValueError, match="load_model takes VAE's options .*; not continuous, features"):
        load_model(tmp_path / "other.npz", features=3, continuous=True)


def test_a_run_folder_takes_no_settings(tmp_path):
    config = synthetic_config()
    train(config.build_model(X), X[:20], 1, str(tmp_path / "run"), config, log=lambda line: None)
    with pytest.raises(ValueError, match="is a run folder, whose configuration gives every setting: drop activation"):
        load_model(str(tmp_path / "run"), activation="tanh")


def test_training_a_model_without_data_is_refused_before_its_folder_is_made(tmp_path):
    config = synthetic_config()
    with pytest.raises(ValueError, match="AEVB training: this model has no training set"):
        train(config.build_model(None), X[:20], 1, str(tmp_path / "run"), config)
    assert not os.path.exists(tmp_path / "run")


def test_build_model_with_data_checks_its_shape():
    config = synthetic_config(continuous=True, n_latent=2)
    assert config.build_model(X).x_train is not None
    with pytest.raises(ValueError, match="the data given has shape"):
        config.build_model(X[:50])
