"""The model's options are declared once (``vae_theano.options.OPTIONS``), and everything else
derives from that table and VAE's signature: the checks, the run configuration's fields, the
command-line flags."""

import dataclasses
import inspect
import os
import sys

import pytest

from conftest import REPO
from vae_theano import VAE
from vae_theano.options import OPTIONS, check_option
from vae_theano.runs.cli import parser
from vae_theano.runs.config import RunConfig
from vae_theano.vae import ACTIVATIONS

SIGNATURE = inspect.signature(VAE).parameters
NOT_OPTIONS = {"mode", "dtype", "features"}  # the backend, the precision, the data's width


def test_the_table_holds_every_option_of_the_signature_in_its_order():
    assert list(OPTIONS) == [name for name, p in SIGNATURE.items()
                             if p.default is not inspect.Parameter.empty and name not in NOT_OPTIONS]
    assert set(OPTIONS["activation"].choices) == set(ACTIVATIONS)


def test_the_run_configuration_has_each_option_with_vaes_default():
    fields = {f.name: f for f in dataclasses.fields(RunConfig)}
    for name, option in OPTIONS.items():
        assert fields[name].default == SIGNATURE[name].default and fields[name].type is option.kind, name
    config = RunConfig(dataset="mnist", continuous=False, N=100, features=6, hu_encoder=5, hu_decoder=4, n_latent=2,
                       lam=0.5, activation="tanh")
    assert config.options() == {name: SIGNATURE[name].default for name in OPTIONS} | {"lam": 0.5, "activation": "tanh"}
    vae = config.build_model(None)
    assert (vae.lam, vae.activation, vae.features, vae.hu_decoder) == (0.5, "tanh", 6, 4)


def test_each_option_is_a_flag_with_its_help_and_default():
    p = parser("t", epochs=1, hidden=10, n_latent=2, batch_size=50, learning_rate=0.01, out="o")
    actions = {a.dest: a for a in p._actions}
    for name, option in OPTIONS.items():
        assert actions[name].help == option.help and actions[name].option_strings == ["--" + name.replace("_", "-")]
        assert actions[name].default == {"batch_size": 50, "learning_rate": 0.01}.get(name, SIGNATURE[name].default)
    args = p.parse_args(["--bounded-mean", "--optimizer", "adagrad", "--lam", "0.25", "--seed", "3"])
    assert (args.bounded_mean, args.optimizer, args.lam, args.seed) == (True, "adagrad", 0.25, 3)
    with pytest.raises(SystemExit):
        p.parse_args(["--activation", "sigmoid"])


@pytest.mark.parametrize("name, value, message", [
    ("b1", 1.0, r"b1 must be in \[0, 1\), got 1.0"),
    ("b2", "0.9", "b2 must be a real number, got '0.9'"),
    ("batch_size", 0, "batch_size must be a positive integer, got 0"),
    ("batch_size", 2.5, "batch_size must be a positive integer, got 2.5"),
    ("learning_rate", float("inf"), "learning_rate must be positive and finite, got inf"),
    ("lam", -1, "lam must be non-negative and finite, got -1"),
    ("seed", True, "seed must be an integer, got True"),
    ("bias_correction", "none", "bias_correction must be 'epoch' or 'step', got 'none'"),
    ("n_samples", -2, "n_samples must be a positive integer, got -2"),
    ("activation", "sigmoid", "activation must be 'relu' or 'tanh' or 'softplus', got 'sigmoid'"),
    ("optimizer", "sgd", "optimizer must be 'adam' or 'adagrad', got 'sgd'"),
    ("bounded_mean", 1, "bounded_mean must be True or False, got 1"),
])
def test_a_bad_option_is_refused_by_name_before_the_model_is_built(name, value, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        check_option(name, value)
    with pytest.raises(ValueError, match=f"^{message}$"):
        VAE(True, 5, 5, 2, None, features=6, **{name: value})


def test_good_options_pass_as_given():
    assert check_option("lam", 0) == 0 and check_option("seed", 0) == 0 and check_option("b1", 0.5) == 0.5
    assert check_option("bounded_mean", True) is True


def test_the_explorer_takes_a_parameter_files_options_from_the_table(capsys):
    sys.path.insert(0, os.path.join(REPO, "examples"))
    import explore

    with pytest.raises(SystemExit):
        explore.main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert OPTIONS["activation"].help in shown and OPTIONS["bounded_mean"].help in shown
