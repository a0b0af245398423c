"""One model of the paper, trained in a folder of its own: the step-size choice, the
training method, and a resumable run to a budget of training samples."""

import dataclasses
import json
import math
import os
from collections import namedtuple

import numpy as np

from ..files.atomic import atomic_write
from ..runs.checkpoint import CHECKPOINT_FILE, load_checkpoint, saved_config
from ..runs.folder import exclusive_run_folder
from ..runs.methods import AEVB
from ..runs.training import train, warm_up_optimizer
from .mcem import MCEM
from .settings import CHECKPOINT_EVERY, METHODS, STEP_SIZES, paper_config, samples_per_epoch
from .wake_sleep import WakeSleep

STEP_SIZE_FILE = "step_size.json"  # a model folder's step size and the scores that chose it

TrainedModel = namedtuple("TrainedModel", "vae method history choice config")
TrainedModel.__doc__ = """``train_model``'s result: the VAE, its ``TrainingMethod``, the history rows
(``training.train``'s), the step-size choice (``saved_choice``'s) and the ``RunConfig``."""


def make_method(config, vae, seed=0):
    """The ``TrainingMethod`` of ``config.method`` ("aevb", "wake-sleep" or "mcem") on ``vae``,
    with the method's own settings from ``config`` (a ``RunConfig``: wake-sleep's
    ``dream_after_wake``)."""
    if config.method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {config.method!r}")
    if config.method == "wake-sleep":
        return WakeSleep(vae, dream_after_wake=config.dream_after_wake)
    if config.method == "mcem":
        return MCEM(vae, seed=seed)
    return AEVB(vae)


def choose_step_size(config, x_train, *, mode=None, iterations=50, candidates=STEP_SIZES, seed=42):
    """The paper's choice: the step size whose training bound over ``iterations``
    minibatches from the same start is highest (the mean of the last fifth of them).
    config(step_size) -> the model's ``RunConfig`` (its method, on x_train (N, D)), whose
    ``warm_up`` minibatches of Kingma's warm-up come first (``training.warm_up_optimizer``,
    the batches drawn from a generator seeded with ``seed``: the same for every candidate,
    not the same as the training loop's own warm-up).

    Returns (step size, {candidate: its score}), a diverged candidate scoring -inf."""
    scores = []
    for step_size in candidates:
        run = config(step_size)
        runner = make_method(run, run.build_model(x_train, mode))
        warm_up_optimizer(runner, np.random.default_rng([seed, 2]).integers(0, runner.vae.n_batches, run.warm_up))
        bounds = runner.update_batches(np.arange(iterations) % runner.vae.n_batches, 1)
        scores.append(np.mean(bounds[-max(1, iterations // 5):]) if np.all(np.isfinite(bounds)) else -np.inf)
    return candidates[int(np.argmax(scores))], dict(zip(candidates, map(float, scores)))


def paper_step_size(config, x_train, *, seed=42, mode=None):
    """The step size the paper's rule chooses for the model ``config(step_size)`` (a function
    giving its ``RunConfig``, its training method included) on x_train (N, D), and the scores
    behind it: {"step_size": s, "scores": {candidate: training bound}}. Deterministic: the
    same model gets the same choice, whenever it is asked."""
    chosen, scores = choose_step_size(config, x_train, mode=mode, seed=seed)
    return dict(step_size=chosen, scores=scores)


def saved_choice(folder):
    """A model folder's step size and the scores that chose it ({"step_size": s, "scores":
    {candidate: bound} or None}): its step_size.json; for a folder trained before those were
    kept, its checkpoint's step size (scores None); None for a folder that has neither."""
    path = os.path.join(folder, STEP_SIZE_FILE)
    if os.path.exists(path):
        with open(path) as f:
            saved = json.load(f)
        scores = saved["scores"] and {float(k): float(v) for k, v in saved["scores"].items()}
        return dict(step_size=float(saved["step_size"]), scores=scores)
    path = os.path.join(folder, CHECKPOINT_FILE)
    if os.path.exists(path):
        return dict(step_size=saved_config(load_checkpoint(path)[1], path).learning_rate, scores=None)
    return None


def train_model(folder, *, dataset, data, n_latent, hidden, method, budget, dtype="float32", log=print,
                mode=None, seed=42, step_size=None, changes=None, checkpoint_every=CHECKPOINT_EVERY):
    """Train one model of the paper to ``budget`` training samples in ``folder`` (resumable:
    a bigger budget continues). data = (x_train, x_held): its training rows and the rows
    of each epoch's held-out bound.

    step_size: Adagrad's, fixed; None chooses it as the paper did (``choose_step_size``).
    A folder keeps its step size: asking for another is refused.
    changes: {field: value} of the ``RunConfig`` that differ from the paper's settings
    (an experiment's, ``differences.py``: sampling, warm_up, init_std, zero_log_var, lam, ...).
    checkpoint_every: seconds between checkpoints (and after the last epoch).
    Returns a ``TrainedModel``; its choice (scores None where the step size was fixed) is
    kept in the folder's step_size.json.
    """
    x_train, x_held = data
    model = dict(n_latent=n_latent, hidden=hidden, method=method, dtype=dtype, seed=seed)
    run_config = lambda lr: dataclasses.replace(paper_config(dataset, x_train, **model, learning_rate=lr),
                                                **(changes or {}))
    with exclusive_run_folder(folder):  # the choice is made, kept and trained on under one lock
        choice = saved_choice(folder)
        if choice is not None and step_size is not None and choice["step_size"] != step_size:
            raise ValueError(f"{folder} trained with step size {choice['step_size']}, not the {step_size} "
                             "asked for: use another folder")
        if choice is None and step_size is not None:
            choice = dict(step_size=step_size, scores=None)
        elif choice is None:
            choice = paper_step_size(run_config, x_train, seed=seed, mode=mode)
            log(f"  step size {choice['step_size']} (training bounds after 50 iterations: "
                f"{json.dumps(choice['scores'])})")
        config = run_config(choice["step_size"])
        vae = config.build_model(x_train, mode)  # every setting checked before anything is written
        runner = make_method(config, vae)
        if not os.path.exists(os.path.join(folder, STEP_SIZE_FILE)):
            with atomic_write(os.path.join(folder, STEP_SIZE_FILE), "w") as f:
                json.dump(choice, f, indent=1)
        epochs = max(1, math.ceil(budget / samples_per_epoch(len(x_train))))
        history = train(vae, x_held, epochs, folder, config, log=lambda s: None, method=runner,
                        checkpoint_every=checkpoint_every)
    return TrainedModel(vae, runner, history[:epochs], choice, config)


def step_columns(choice):
    """The CSV columns of a model's step-size choice: step_size, and step_scores, the training
    bounds that chose it ("0.01=-218.766 0.02=-226.954 0.1=-7.33695e+20"; empty for a fixed
    step size or a folder from before the scores were kept)."""
    scores = choice["scores"] or {}
    return dict(step_size=choice["step_size"], step_scores=" ".join(f"{k}={float(v):.6g}" for k, v in scores.items()))


def parse_step_scores(text):
    """``step_columns``' step_scores back: {"0.01": "-218.766", ...} (the candidates as the CSV
    writes them), {} for an empty column."""
    return dict(item.split("=") for item in str(text).split())


def loop_columns(config):
    """The CSV columns of a model's training loop: sampling and warm_up (``RunConfig``'s)."""
    return dict(sampling=config.sampling, warm_up=config.warm_up)
