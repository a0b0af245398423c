"""One model of the paper, trained in a folder of its own: the step-size choice, the
training method, and a resumable run to a budget of training samples."""

import json
import math
import os

import numpy as np

from ..runs.checkpoint import CHECKPOINT_FILE, load_checkpoint, saved_config
from ..runs.methods import AEVB
from ..runs.training import train
from .mcem import MCEM
from .settings import CHECKPOINT_EVERY, METHODS, STEP_SIZES, paper_config, samples_per_epoch
from .wake_sleep import WakeSleep


def make_method(name, vae, seed=0):
    """The ``TrainingMethod`` called ``name`` ("aevb", "wake-sleep" or "mcem") on ``vae``."""
    if name not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {name!r}")
    if name == "wake-sleep":
        return WakeSleep(vae)
    if name == "mcem":
        return MCEM(vae, seed=seed)
    return AEVB(vae)


def choose_step_size(build, method, iterations=50, candidates=STEP_SIZES):
    """The paper's choice: the step size whose training bound over ``iterations``
    minibatches from the same start is highest. build(step_size) -> a fresh VAE."""
    scores = []
    for step_size in candidates:
        vae = build(step_size)
        order = np.arange(iterations) % vae.n_batches
        bounds = make_method(method, vae).update_batches(order, 1)
        scores.append(np.mean(bounds[-max(1, iterations // 5):]) if np.all(np.isfinite(bounds)) else -np.inf)
    return candidates[int(np.argmax(scores))], dict(zip(candidates, map(float, scores)))


def train_model(folder, *, dataset, data, n_latent, hidden, method, budget, dtype="float32", log=print,
                mode=None, seed=42, checkpoint_every=CHECKPOINT_EVERY):
    """Train one model of the paper to ``budget`` training samples in ``folder`` (resumable:
    a bigger budget continues). data = (x_train, x_held): its training rows and the rows
    of each epoch's held-out bound.

    checkpoint_every: seconds between checkpoints (and after the last epoch).
    Returns (vae, method object, history); history rows as ``training.train``'s.
    """
    x_train, x_held = data
    model = dict(n_latent=n_latent, hidden=hidden, method=method, dtype=dtype, seed=seed)
    path = os.path.join(folder, CHECKPOINT_FILE)
    if os.path.exists(path):
        step_size = saved_config(load_checkpoint(path)[1], path).learning_rate
    else:
        step_size, scores = choose_step_size(
            lambda lr: paper_config(dataset, x_train, **model, learning_rate=lr).build_model(x_train, mode), method)
        log(f"  step size {step_size} (training bounds after 50 iterations: {json.dumps(scores)})")
    config = paper_config(dataset, x_train, **model, learning_rate=step_size)
    vae = config.build_model(x_train, mode)
    runner = make_method(method, vae)
    epochs = max(1, math.ceil(budget / samples_per_epoch(len(x_train))))
    history = train(vae, x_held, epochs, folder, config, log=lambda s: None, method=runner,
                    checkpoint_every=checkpoint_every)
    return vae, runner, history[:epochs]
