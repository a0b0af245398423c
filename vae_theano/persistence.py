"""A model's state in and out: arrays in memory, ``params.npz`` on disk, the original's pickles.

The state is a flat dict {"params/W_xh": array, "m/W_xh": ..., "v/...": ...,
"adam/t": ()} over the model's shared variables (``VAE.params``, ``m``, ``v``
and Adam's step count ``t``). Writing goes through ``atomic_write``; reading
checks every name, shape, dtype and value before any shared variable changes.
The original's ``params.pkl``/``m.pkl``/``v.pkl`` are read with an unpickler
that admits only NumPy arrays (``safe_pickle``).
"""

import os

import numpy as np

from .files import safe_pickle
from .files.atomic import atomic_write

PARAMS_FILE = "params.npz"
LEGACY_FILES = ("params.pkl", "m.pkl", "v.pkl")
GROUPS = ("params", "m", "v")


def get_state(vae):
    """Copies of every parameter, Adam moment and Adam's step count."""
    state = {f"{group}/{name}": var.get_value()
             for group in GROUPS for name, var in getattr(vae, group).items()}
    state["adam/t"] = vae.t.get_value()
    return state


def set_state(vae, state, source="state"):
    """Set the model's shared variables from ``get_state``'s layout, all or nothing.

    ``source`` names the origin in error messages. ``adam/t`` may be absent
    (the original's files): t is then left as it is. A parameters-only state
    (no ``m/`` or ``v/`` entry at all: ``get_parameters``, the pretrained models)
    sets the parameters (and ``adam/t`` if given) and leaves the moments as they are.
    """
    groups = {"params": {}, "m": {}, "v": {}, "adam": {}}
    for key, value in state.items():
        group, _, name = key.partition("/")
        if group not in groups or not name:
            raise ValueError(f"{source}: unexpected entry {key!r}")
        groups[group][name] = value
    checked = []
    parameters_only = not groups["m"] and not groups["v"]
    for group in GROUPS[:1] if parameters_only else GROUPS:
        variables, found = getattr(vae, group), groups[group]
        missing = [n for n in variables if n not in found]
        extra = [n for n in found if n not in variables]
        if missing or extra:
            raise ValueError(f"{source}: {group} does not match this model's parameters "
                             f"(missing {missing}, unexpected {extra})")
        for name, var in variables.items():
            value = found[name]
            if not isinstance(value, np.ndarray) or not np.issubdtype(value.dtype, np.floating):
                raise ValueError(f"{source}: {group}/{name} must be a floating-point array, "
                                 f"got {getattr(value, 'dtype', type(value))}")
            expected = var.get_value(borrow=True).shape
            if value.shape != expected:
                raise ValueError(f"{source}: {group}/{name} has shape {value.shape}, "
                                 f"this model needs {expected}")
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{source}: {group}/{name} holds NaN or inf")
            checked.append((var, value.astype(vae.dtype)))
    if groups["adam"]:
        t = groups["adam"].get("t")
        if set(groups["adam"]) != {"t"} or np.shape(t) != () \
                or not np.isfinite(t) or t < 0 or t != np.floor(t):
            raise ValueError(f"{source}: adam/t must be a non-negative whole number, got {t!r}")
        checked.append((vae.t, np.asarray(t, dtype=vae.dtype)))
    for var, value in checked:
        var.set_value(value)


def get_parameters(vae):
    """Copies of the parameters alone, {"params/W_xh": array, ...}: what a trained model
    needs to encode, decode and evaluate (``set_state`` takes it)."""
    return {f"params/{name}": var.get_value() for name, var in vae.params.items()}


def save_parameters(vae, path):
    """Write the state into the folder ``path`` as ``params.npz`` (no pickle), atomically.

    An existing ``params.npz`` is replaced; ``path`` must be a folder (or not exist yet).
    """
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"save_parameters: {path} is a file; give a folder, "
                         f"in which {PARAMS_FILE} is written")
    target = os.path.join(path, PARAMS_FILE)
    with atomic_write(target) as f:
        np.savez(f, **get_state(vae))
    return target


def load_parameters(vae, path):
    """Load what ``save_parameters`` or the original code saved at ``path`` into ``vae``, all
    or nothing (``read_parameter_files``, ``set_state``)."""
    set_state(vae, read_parameter_files(path), source=os.fspath(path))


def read_parameter_files(path):
    """The state saved at ``path``: an .npz file, a folder holding ``params.npz``, or a
    folder holding the original's three pickles."""
    path = os.fspath(path)
    if os.path.isdir(path) and os.path.exists(os.path.join(path, PARAMS_FILE)):
        path = os.path.join(path, PARAMS_FILE)
    if os.path.isfile(path):
        try:
            with np.load(path, allow_pickle=False) as f:
                return {key: f[key] for key in f.files}
        except Exception as e:  # zipfile/zlib/OSError/ValueError: a truncated or damaged archive
            raise ValueError(f"{path}: not a readable parameter archive ({e})") from e
    if os.path.isdir(path):
        legacy = [os.path.join(path, name) for name in LEGACY_FILES]
        missing = [p for p in legacy if not os.path.isfile(p)]
        if missing:
            raise FileNotFoundError(f"{path} holds neither {PARAMS_FILE} nor the original's "
                                    f"params.pkl, m.pkl and v.pkl (missing: {missing})")
        state = {}
        for group, file in zip(GROUPS, legacy):
            content = safe_pickle.load_path(file)
            if not isinstance(content, dict):
                raise ValueError(f"{file}: expected a dict of arrays, got {type(content).__name__}")
            state.update({f"{group}/{name}": value for name, value in content.items()})
        return state
    raise FileNotFoundError(f"no saved parameters at {path}")


def get_rng_state(vae):
    """The sampler generator's state (a dict of plain Python values)."""
    return vae.srng.get_value(borrow=True).bit_generator.state


def set_rng_state(vae, state):
    """Restore a state from ``get_rng_state``: the following draws repeat exactly."""
    generator = np.random.default_rng()
    try:
        generator.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as e:
        raise ValueError(f"not a state of NumPy's {type(generator.bit_generator).__name__} "
                         f"generator ({e})") from None
    vae.srng.set_value(generator, borrow=True)
