"""Training checkpoints: all a run needs to continue exactly, in one .npz, written atomically;
and a run's model rebuilt from its checkpoint (``load_run``).

A checkpoint holds the parameters and Adam moments (``VAE.get_state``), the
sampler's RNG state, the training loop's generators, the epoch reached, the
history so far and the run's configuration. It is one NumPy archive without
pickles: arrays, plus a JSON string under the key ``meta``. It is written to a
temporary file and renamed, so a crash (even ``kill -9``) during a save leaves
the previous checkpoint whole.
"""

import json
import os
import zipfile

import numpy as np

from ..files.atomic import atomic_write
from .config import RunConfig

CHECKPOINT_FILE = "checkpoint.npz"
FORMAT = 1


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

    Returns (vae, config, (x_held, name)): the model with the checkpoint's
    parameters and noise state, the run's ``RunConfig``, and the held-out rows
    to evaluate it on (``RunConfig.load_data``). Works for every run the
    project makes: the training examples' and each model of the paper's figures.
    """
    path = os.path.join(folder, CHECKPOINT_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{folder} holds no {CHECKPOINT_FILE}: train into it first")
    state, meta = load_checkpoint(path)
    config = saved_config(meta, path)
    x_train, held_out = config.load_data(data)
    vae = config.build_model(x_train, mode)
    vae.set_state({k: v for k, v in state.items() if not k.startswith("method/")}, source=path)
    vae.set_rng_state(meta["srng"])
    return vae, config, held_out


def saved_config(meta, path):
    """The ``RunConfig`` of a checkpoint's meta; CheckpointError naming ``path`` if it is none."""
    try:
        return RunConfig.from_saved(meta["config"])
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: {e}") from None
