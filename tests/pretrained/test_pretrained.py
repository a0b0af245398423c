"""The pretrained models that ship with the package: each loads without data, matches its
card (SHA-256, configuration, the Markdown copy), and scores on its held-out set what its
card says."""

import hashlib
import json
import os
import shutil

import numpy as np
import pytest

from conftest import SHARED_DATA, needs_shared
from vae_theano import pretrained
from vae_theano.evaluate import mean_lower_bound
from vae_theano.runs.config import RunConfig

NAMES = ["freyface-nz2", "mnist-nz2", "mnist-nz20"]


def test_the_list_names_the_shipped_models():
    assert pretrained.list() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_model_matches_its_card(name):
    card = pretrained.card(name)
    with open(pretrained.path(name), "rb") as f:
        content = f.read()
    assert hashlib.sha256(content).hexdigest() == card["sha256"] and len(content) == card["bytes"]
    with np.load(pretrained.path(name)) as arrays:  # the parameters alone, float32
        assert all(key.startswith("params/") for key in arrays.files)
        assert {arrays[key].dtype for key in arrays.files} == {np.dtype("float32")}
    with open(os.path.join(pretrained.FOLDER, f"{name}.md")) as f:
        assert f.read() == pretrained.render_card(card)  # the people's copy says the same
    config = RunConfig.from_saved(card["config"])
    vae = pretrained.load(name)
    assert (vae.n_latent, vae.features, vae.continuous, vae.x_train) == \
        (config.n_latent, config.features, config.continuous, None)
    images = vae.sample(5, seed=0)
    assert images.shape == (5, config.features) and np.all(np.isfinite(images))
    with pytest.raises(ValueError, match="update_batches: this model has no training set"):
        vae.update_batches([0], 1)


def test_saving_again_gives_the_same_bytes(tmp_path):
    vae = pretrained.load("mnist-nz2")
    assert pretrained.save(vae, str(tmp_path / "again.npz")) == pretrained.card("mnist-nz2")["sha256"]


def test_a_name_that_does_not_exist_lists_the_names():
    with pytest.raises(ValueError, match="no pretrained model 'mnist'; there are: freyface-nz2, mnist-nz2, mnist-nz20"):
        pretrained.load("mnist")


def test_a_damaged_file_is_refused_in_one_line(tmp_path, monkeypatch):
    for name in ("mnist-nz2.npz", "mnist-nz2.json"):
        shutil.copy(os.path.join(pretrained.FOLDER, name), tmp_path / name)
    damaged = bytearray((tmp_path / "mnist-nz2.npz").read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    (tmp_path / "mnist-nz2.npz").write_bytes(bytes(damaged))
    monkeypatch.setattr(pretrained, "FOLDER", str(tmp_path))
    with pytest.raises(ValueError, match="differs from its card's .*: the file is damaged; reinstall"):
        pretrained.load("mnist-nz2")


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=needs_shared(os.path.join(SHARED_DATA, "frey_rawface.mat" if name.startswith("frey")
                                                       else "mnist.pkl.gz"))) for name in NAMES])
def test_the_held_out_bound_is_the_cards(name):
    """What the card says, on this machine's kernels or others: the card gives the spread
    a retrain with other BLAS kernels showed, and the same parameters differ less."""
    card = pretrained.card(name)
    config = RunConfig.from_saved(card["config"])
    _, (x_held, held_name, _) = config.load_data(SHARED_DATA)
    assert (held_name, len(x_held)) == (card["held_out"]["set"], card["held_out"]["rows"])
    bound = mean_lower_bound(pretrained.load(name), x_held)
    assert bound == pytest.approx(card["held_out"]["bound"], abs=1e-3)  # 1e-6 apart on SkylakeX and Haswell kernels


def test_the_cards_are_json_with_their_numbers():
    for name in NAMES:
        with open(os.path.join(pretrained.FOLDER, f"{name}.json")) as f:
            card = json.load(f)
        held = card["held_out"]
        assert held["k"] == 5000 and held["log_px_stderr"] > 0
        assert held["log_px"] > held["bound"]  # log p(x) lies above the bound
        assert card["retrain"]["machine"] and "OPENBLAS_CORETYPE" in card["retrain"]["machine"]
