"""Training checkpoints: all a run needs to continue exactly, in one .npz, written atomically.

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

from .atomic import atomic_write

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


# Settings added after the first checkpoints were written: absent means this.
LATER_SETTINGS = dict(bias_correction="epoch", n_samples=1, activation="relu", optimizer="adam",
                      bounded_mean=False)


def config_differences(saved, current):
    """Human-readable list of settings that differ between two configuration dicts."""
    saved, current = {**LATER_SETTINGS, **saved}, {**LATER_SETTINGS, **current}
    keys = sorted(set(saved) | set(current))
    return [f"{k}: checkpoint has {saved.get(k)!r}, this run asks for {current.get(k)!r}"
            for k in keys if saved.get(k) != current.get(k)]
