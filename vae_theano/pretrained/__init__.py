"""Trained models that ship with the package, ready without data or network.

    from vae_theano import pretrained
    pretrained.list()                      # ['freyface-nz2', 'mnist-nz2', 'mnist-nz20']
    vae = pretrained.load("mnist-nz20")    # a VAE without its training set
    vae.decode(z); vae.encode_mean(x); vae.sample(16)
    pretrained.card("mnist-nz20")          # how it was trained, and what it scores

Each model is three files in this folder: ``<name>.npz``, its parameters alone
(float32, written byte for byte the same from the same values: ``save``),
``<name>.json``, its card (the run's configuration, the command that trained
it, its held-out bound and log p(x), the file's SHA-256, what a retrain with
other BLAS kernels gives), and ``<name>.md``, the same card for people
(``render_card``). ``examples/make_pretrained.py`` writes all three from a
training run.
"""

import hashlib
import json
import os
import zipfile

import numpy as np

from ..files.atomic import atomic_write
from ..persistence import get_parameters
from ..runs.config import RunConfig

FOLDER = os.path.dirname(os.path.abspath(__file__))


def list():  # noqa: A001 (pretrained.list(), as the README says; the builtin is not used here)
    """The names of the pretrained models, sorted."""
    return sorted(name[:-len(".json")] for name in os.listdir(FOLDER) if name.endswith(".json"))


def path(name):
    """The parameter file of model ``name``; ValueError naming the models there are."""
    names = list()
    if name not in names:
        raise ValueError(f"no pretrained model {name!r}; there are: {', '.join(names)}")
    return os.path.join(FOLDER, f"{name}.npz")


def card(name):
    """Model ``name``'s card, a dict (see ``render_card``)."""
    with open(path(name)[:-len(".npz")] + ".json") as f:
        return json.load(f)


def load(name, mode=None):
    """Model ``name``, ready to encode, decode, sample and evaluate: a ``VAE`` built from its
    card's configuration without a training set (``update`` refuses), with the shipped
    parameters, checked against the card's SHA-256. ``mode``: the backend (default C)."""
    file, info = path(name), card(name)
    with open(file, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != info["sha256"]:
        raise ValueError(f"{file}: SHA-256 {digest} differs from its card's {info['sha256']}: "
                         f"the file is damaged; reinstall the package")
    with np.load(file, allow_pickle=False) as arrays:
        return build(info["config"], {key: arrays[key] for key in arrays.files}, mode, source=file)


def build(config, parameters, mode=None, source="parameters"):
    """The model a card describes: ``config`` (a saved ``RunConfig``) built without a
    training set, fresh noise from its seed, with ``parameters`` ({"params/W_xh": array,
    ...}). What ``load`` returns, and what ``examples/make_pretrained.py`` measures."""
    vae = RunConfig.from_saved(config).build_model(None, mode)
    vae.set_state(parameters, source=source)
    return vae


def save(vae, file):
    """Write the parameters of ``vae`` (``persistence.get_parameters``' layout) to ``file`` as an .npz,
    atomically, in a fixed order with fixed timestamps: the same values give the same
    bytes, hence the same SHA-256. Returns the file's SHA-256."""
    with atomic_write(file) as f:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as archive:
            for key, value in sorted(get_parameters(vae).items()):
                entry = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(entry, "w") as out:
                    np.lib.format.write_array(out, np.ascontiguousarray(value), allow_pickle=False)
    with open(file, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def render_card(info):
    """The card ``info`` (a dict, as ``card`` returns) as Markdown: ``<name>.md``."""
    c, held, retrain = info["config"], info["held_out"], info.get("retrain")
    decoder = "Gaussian" + (" (sigmoid mean)" if c["bounded_mean"] else "") if c["continuous"] else "Bernoulli"
    lines = [
        f"# {info['name']}", "", info["description"], "",
        "```python", "from vae_theano import pretrained",
        f"vae = pretrained.load({info['name']!r})", "```", "",
        "| | |", "|---|---|",
        f"| model | {c['features']}-{c['hu_encoder']}-{c['n_latent']}-{c['hu_decoder']}-{c['features']}, "
        f"{c['activation']}, {decoder} decoder, {c['dtype']} |",
        f"| data | {c['dataset']}, {c['N']:,} training rows"
        + (f", split seed {c['split_seed']}" if c.get("split_seed") is not None else "") + " |",
        f"| optimiser | {c['optimizer']}, step size {c['learning_rate']}, batches of {c['batch_size']}, "
        f"lam {c['lam']}, seed {c['seed']} |",
        f"| training | {info['epochs']:,} epochs, {info['samples']:,} samples |",
        f"| final epoch | train bound {info['train_bound']:.3f}, validation bound {info['valid_bound']:.3f} nats |",
        f"| held-out set | {held['set']}, {held['rows']:,} rows |",
        f"| held-out bound | **{held['bound']:.3f}** nats per datapoint (one noise draw per row) |",
        f"| log p(x) | **{held['log_px']:.3f} +- {held['log_px_stderr']:.3f}** nats per datapoint "
        f"(importance sampled, k = {held['k']:,}, seed {held['seed']}, on the first {held['log_px_rows']:,} rows) |",
        f"| parameters | `{info['name']}.npz`, {info['bytes']:,} bytes, SHA-256 `{info['sha256']}` |",
        f"| trained on | {info['machine']} |",
        "", "Trained with:", "", "```", info["command"], "```", "",
        "The held-out numbers are what `pretrained.load` gives on this set: "
        "`evaluate.mean_lower_bound(vae, x)` and `vae.log_likelihood(x, k, seed=...)`.",
    ]
    if retrain:
        lines += ["", "## A retrain elsewhere", "", retrain["note"], "",
                  f"- kernels: {retrain['machine']}",
                  f"- final epoch: train {retrain['train_bound']:.3f}, validation {retrain['valid_bound']:.3f}",
                  f"- held-out bound: {retrain['bound']:.3f} ({retrain['bound'] - held['bound']:+.3f} from the above)",
                  f"- parameters: largest difference {retrain['max_parameter_difference']:.3g}",
                  ]
    return "\n".join(lines) + "\n"
