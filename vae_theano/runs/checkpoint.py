"""Training checkpoints: all a run needs to continue exactly, in one .npz, written atomically;
a run's model rebuilt from its checkpoint with its data (``load_run``), and any trained
model rebuilt from its parameters alone, without data (``load_model``).

A checkpoint holds the parameters and Adam moments (``VAE.get_state``), the
sampler's RNG state, the training loop's generators, the epoch reached, the
history so far and the run's configuration. It is one NumPy archive without
pickles: arrays, plus a JSON string under the key ``meta``. It is written to a
temporary file and renamed, so a crash (even ``kill -9``) during a save leaves
the previous checkpoint whole.
"""

import inspect
import json
import os
import zipfile

import numpy as np

from ..files.atomic import atomic_write
from ..persistence import read_parameter_files
from ..vae import VAE
from .config import RunConfig

CHECKPOINT_FILE = "checkpoint.npz"
FORMAT = 1
# VAE's keyword-only options that load_model passes on (features and mode it sets itself).
LOAD_MODEL_SETTINGS = {name for name, p in inspect.signature(VAE).parameters.items()
                       if p.kind is p.KEYWORD_ONLY} - {"features", "mode"}


class CheckpointError(ValueError):
    """A checkpoint is corrupt, truncated, or belongs to another configuration."""


def save_checkpoint(path, vae, meta, method_state=None):
    """Write the model's state plus ``meta`` (JSON-serialisable: epoch, history, RNG states, config).

    ``method_state``: a training method's own state (``MCEM.get_state``): its
    arrays are stored as ``method/<name>``, everything else in meta["method"].
    """
    arrays = vae.get_state()
    meta = dict(meta, format=FORMAT, srng=vae.get_rng_state())
    if method_state:
        arrays.update({f"method/{k}": v for k, v in method_state.items() if isinstance(v, np.ndarray)})
        meta["method"] = {k: v for k, v in method_state.items() if not isinstance(v, np.ndarray)}
    arrays["meta"] = np.array(json.dumps(meta))
    with atomic_write(path) as f:
        np.savez(f, **arrays)


def load_checkpoint(path):
    """(state arrays for ``VAE.set_state``, meta dict); CheckpointError if unreadable."""
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {key: f[key] for key in f.files}
        meta = json.loads(str(arrays.pop("meta")))
    except KeyError:
        raise CheckpointError(f"{path}: not a checkpoint (no 'meta' entry)") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as e:
        raise CheckpointError(f"{path}: corrupt or truncated checkpoint ({type(e).__name__}: {e})") from e
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: checkpoint format {meta.get('format')!r}, expected {FORMAT}")
    return arrays, meta


def load_run(folder, data=None, mode=None):
    """Rebuild a run's model from the checkpoint in ``folder``, with its configuration.

    Returns (vae, config, held_out): the model with the checkpoint's
    parameters and noise state, the run's ``RunConfig``, and the held-out rows
    to evaluate it on (a ``config.HeldOut``, from ``RunConfig.load_data``). Works for every run the
    project makes: the training examples' and each model of the paper's figures.
    """
    path = os.path.join(folder, CHECKPOINT_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{folder} holds no {CHECKPOINT_FILE}: train into it first")
    state, meta = load_checkpoint(path)
    config = saved_config(meta, path)
    x_train, held_out = config.load_data(data)
    return restore(config.build_model(x_train, mode), state, meta, path), config, held_out


def restore(vae, state, meta, path):
    """``vae`` with the parameters, moments and noise state of the checkpoint (state, meta)
    read from ``path``."""
    vae.set_state({k: v for k, v in state.items() if not k.startswith("method/")}, source=path)
    vae.set_rng_state(meta["srng"])
    return vae


def load_run_model(folder, mode=None):
    """(vae, config): the run in ``folder`` without its data, its configuration's model with
    the checkpoint's parameters and noise state (``update`` refuses: no training set)."""
    path = os.path.join(folder, CHECKPOINT_FILE)
    state, meta = load_checkpoint(path)
    config = saved_config(meta, path)
    return restore(config.build_model(None, mode), state, meta, path), config


def load_model(source, mode=None, **settings):
    """A trained model from its saved parameters alone, without its training set: a ``VAE``
    built with x_train=None, which encodes, decodes, samples and evaluates (``update``
    refuses). No data set is read.

    source: a run folder (its checkpoint's configuration builds the model, with its
    noise state), or what ``VAE.load_parameters`` reads: a ``params.npz``, or a folder
    holding one or the original's three pickles. For those, the sizes are read off the
    arrays' shapes and the decoder (Bernoulli or Gaussian) off their names; ``settings``
    are ``VAE``'s keyword-only options for what the arrays do not record
    (``activation``, ``bounded_mean``, ``log_var_factor``, ``log_var_layers``, ``pixel_variance``,
    ``seed``; ``dtype`` defaults to the
    file's). A run
    folder's configuration records everything, and takes no ``settings``.
    """
    path = os.path.join(source, CHECKPOINT_FILE)
    if os.path.isdir(source) and os.path.exists(path):
        if settings:
            raise ValueError(f"{source} is a run folder, whose configuration gives every setting: "
                             f"drop {', '.join(sorted(settings))}")
        return load_run_model(source, mode)[0]
    unknown = sorted(set(settings) - LOAD_MODEL_SETTINGS)
    if unknown:
        raise ValueError(f"load_model takes VAE's options {', '.join(sorted(LOAD_MODEL_SETTINGS))}; "
                         f"not {', '.join(unknown)}")
    state = read_parameter_files(source)
    shapes = {key.partition("/")[2]: np.shape(value) for key, value in state.items()
              if key.startswith("params/")}
    try:
        (features, hu_encoder), (_, n_latent), (_, hu_decoder) = shapes["W_xh"], shapes["W_hmu"], shapes["W_zh"]
    except (KeyError, ValueError):
        raise ValueError(f"{source}: not a VAE's parameters (params/W_xh, W_hmu and W_zh "
                         f"must be matrices)") from None
    settings.setdefault("dtype", np.asarray(state["params/W_xh"]).dtype)
    vae = VAE("W_hxmu" in shapes, hu_encoder, hu_decoder, n_latent, None, features=features, mode=mode,
              **settings)
    vae.set_state(state, source=os.fspath(source))
    return vae


def saved_config(meta, path):
    """The ``RunConfig`` of a checkpoint's meta; CheckpointError naming ``path`` if it is none."""
    try:
        return RunConfig.from_saved(meta["config"])
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: {e}") from None
