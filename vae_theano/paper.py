"""The experiments of Kingma & Welling (2013), section 5: the paper's settings, its step-size
choice, and one resumable run per (data set, N_z, method) in a folder of its own.

The paper's settings (section 5, appendices C-E), which ``paper_model`` builds:
tanh hidden units, minibatches of M = 100, L = 1, weights from N(0, 0.01^2)
(the original code's initialisation), Adagrad whose global step size is
chosen from {0.01, 0.02, 0.1} by the training bound after the first
iterations (``choose_step_size``), and a weight decay from a N(0, I) prior on
the weights: lam = 1, i.e. (1/N) log N(W; 0, I) added to each datapoint's
bound, its gradient scaled by Adagrad like the rest (``VAE.get_adagrad_updates``).
Frey Face's Gaussian decoder has a sigmoid mean.

The methods: "aevb" (the model's own update), "wake-sleep" and "mcem"
(``wake_sleep.WakeSleep``, ``mcem.MCEM``) on the same encoder/decoder.
"""

import json
import math
import os

import numpy as np

from .checkpoint import CHECKPOINT_FILE, load_checkpoint
from .mcem import MCEM
from .training import train
from .vae import VAE
from .wake_sleep import WakeSleep

METHODS = ("aevb", "wake-sleep", "mcem")
STEP_SIZES = (0.01, 0.02, 0.1)
BATCH_SIZE = 100
LAM = 1.0  # the N(0, I) prior on the weights
CHECKPOINT_EVERY = 30.0  # seconds; the 1,000-image set's epochs are 10 steps


def samples_per_epoch(N):
    """Training samples in one epoch of N rows with the paper's minibatches (the last
    partial batch is never visited, as in the original)."""
    batch_size = min(BATCH_SIZE, N)
    return N // batch_size * batch_size


def paper_model(continuous, hidden, n_latent, x_train, learning_rate, dtype="float32", seed=42, mode=None):
    """A VAE with the paper's settings (tanh, Adagrad, bounded Gaussian mean, M = 100)."""
    return VAE(continuous, hidden, hidden, n_latent, x_train, batch_size=min(BATCH_SIZE, len(x_train)),
               learning_rate=learning_rate, lam=LAM, dtype=dtype, seed=seed, mode=mode,
               activation="tanh", optimizer="adagrad", bounded_mean=bool(continuous))


def make_method(name, vae, seed=0):
    """The training method object for ``training.train`` (None: AEVB)."""
    if name not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {name!r}")
    if name == "wake-sleep":
        return WakeSleep(vae)
    if name == "mcem":
        return MCEM(vae, seed=seed)
    return None


def choose_step_size(build, method, iterations=50, candidates=STEP_SIZES):
    """The paper's choice: the step size whose training bound over ``iterations``
    minibatches from the same start is highest. build(step_size) -> a fresh VAE."""
    scores = []
    for step_size in candidates:
        vae = build(step_size)
        runner = make_method(method, vae) or vae
        order = np.arange(iterations) % vae.n_batches
        bounds = runner.update_batches(order, 1)
        scores.append(np.mean(bounds[-max(1, iterations // 5):]) if np.all(np.isfinite(bounds)) else -np.inf)
    return candidates[int(np.argmax(scores))], dict(zip(candidates, map(float, scores)))


def run(folder, data, n_latent, hidden, method, budget, dtype, log, mode=None, seed=42):
    """Train one model of the paper to ``budget`` training samples in ``folder`` (resumable:
    a bigger budget continues). data = (x_train, x_held, continuous).

    Returns (vae, method object or None, history); history rows as ``training.train``'s.
    """
    x_train, x_held, continuous = data
    path = os.path.join(folder, CHECKPOINT_FILE)
    if os.path.exists(path):
        step_size = load_checkpoint(path)[1]["config"]["learning_rate"]
    else:
        step_size, scores = choose_step_size(
            lambda lr: paper_model(continuous, hidden, n_latent, x_train, lr, dtype, seed, mode), method)
        log(f"  step size {step_size} (training bounds after 50 iterations: {json.dumps(scores)})")
    vae = paper_model(continuous, hidden, n_latent, x_train, step_size, dtype, seed, mode)
    runner = make_method(method, vae)
    config = dict(n_latent=n_latent, hidden=hidden, method=method, dtype=dtype, N=len(x_train),
                  learning_rate=step_size, lam=LAM, seed=seed, activation="tanh", optimizer="adagrad",
                  bounded_mean=bool(continuous))
    epochs = max(1, math.ceil(budget / samples_per_epoch(len(x_train))))
    history = train(vae, x_held, epochs, folder, config, seed=seed, log=lambda s: None, method=runner,
                    checkpoint_every=CHECKPOINT_EVERY)
    return vae, runner, history[:epochs]


def parse_list(text, allowed, what):
    """"a,b" -> ["a", "b"], each checked against ``allowed``."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    bad = [item for item in items if item not in allowed]
    if bad or not items:
        raise ValueError(f"{what}: {', '.join(bad) or 'nothing given'}; choose from {', '.join(map(str, allowed))}")
    return items
