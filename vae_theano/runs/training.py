"""The training loop of the original ``run.py``, resumable and guarded.

Each epoch: shuffle the order of the batches with a seeded generator (with the
configuration's ``sampling`` "shuffled-rows" or "with-replacement", first draw
the epoch's rows afresh: a permutation, or at random with replacement as
Kingma's code did), run the training method's step for each (for AEVB ``vae.update_batches``, a tenth of
the epoch per compiled call), record the mean training bound and the
seconds taken, evaluate the validation bound, and write a checkpoint and
``history.csv`` into the run folder (after every epoch, or every
``checkpoint_every`` seconds where epochs take milliseconds). Running the same thing again resumes from
the checkpoint and ends with exactly the numbers of an uninterrupted run.
"""

import csv
import os
import time

import numpy as np
from tqdm import tqdm

from ..datasets import dynamic_binarize
from ..evaluate import mean_lower_bound
from ..files.atomic import write_csv
from .checkpoint import CHECKPOINT_FILE, CheckpointError, load_checkpoint, save_checkpoint, saved_config
from .folder import exclusive_run_folder
from .methods import AEVB

HISTORY_FILE = "history.csv"
HISTORY_FIELDS = ("epoch", "train_bound", "valid_bound", "seconds")
CHUNKS_PER_EPOCH = 10  # update_batches calls per epoch: one compiled call each, and the bar moves


class TrainingDiverged(RuntimeError):
    """The bound became NaN or infinite; the last good checkpoint is kept."""


def train(vae, x_valid, epochs, out, config, *, fresh=False, log=print, method=None, checkpoint_every=0.0):
    """Train ``vae`` up to ``epochs`` epochs, checkpointing into the folder ``out``.

    x_valid: (n, D) held-out rows for the validation bound.
    config: the run's ``RunConfig``, stored in the checkpoint; a checkpoint made
        with another configuration is refused. Its ``seed`` seeds the batch
        shuffling, the dynamic binarisation, the rows and the warm-up batches (three
        generators, each kept in the checkpoint); its ``binarize`` = "dynamic"
        redraws x_train ~ Bernoulli(grey levels) every epoch (the grey levels
        are the model's x_train as given); its ``sampling`` draws each epoch's rows
        afresh (``draw_rows``) and its ``warm_up`` fills the optimiser's sums
        before the first step (``warm_up_optimizer``).
    fresh: ignore an existing checkpoint and start over.
    method: the ``TrainingMethod`` (``methods.py``); None is ``AEVB(vae)``. A
        method's own state (``get_state``) is kept in the checkpoint.
    checkpoint_every: write the checkpoint and history.csv after an epoch only when
        at least this many seconds have passed since the last write (and always
        after the last epoch). 0 writes after every epoch. The writes grow with the
        history (every row is in both files), so a run of thousands of
        millisecond epochs (the paper's 1,000-image set) spends more time writing
        than training without it; a crash then loses at most that much training.
    Returns the history: a list of {epoch, train_bound, valid_bound, seconds}.

    The run holds ``out``'s lock throughout (``folder.py``): a second run into
    the same folder fails at once. ``history.csv`` is rewritten from the
    checkpoint, the one source of truth, whenever a run resumes.
    """
    method = method or AEVB(vae)  # refuses a model without a training set, before the folder is touched
    with exclusive_run_folder(out):
        return _train(vae, x_valid, epochs, out, config, fresh=fresh, log=log, method=method,
                      checkpoint_every=checkpoint_every)


def _train(vae, x_valid, epochs, out, config, *, fresh, log, method, checkpoint_every):
    path = os.path.join(out, CHECKPOINT_FILE)
    shuffle_rng = np.random.default_rng(config.seed)
    binarize_rng = np.random.default_rng([config.seed, 1])
    rows_rng = np.random.default_rng([config.seed, 2])  # the epochs' rows (draw_rows); the warm-up's batches
    source = vae.x_train.get_value() if config.binarize == "dynamic" or config.sampling != "epochs" else None
    history = []

    if os.path.exists(path) and not fresh:
        state, meta = load_checkpoint(path)
        differences = saved_config(meta, path).differences(config)
        if differences:
            raise CheckpointError(f"{path} was made with another configuration:\n  "
                                  + "\n  ".join(differences)
                                  + "\nUse another output folder, or --fresh to start over.")
        saved_method = {k[len("method/"):]: state.pop(k) for k in list(state) if k.startswith("method/")}
        vae.set_state(state, source=path)
        vae.set_rng_state(meta["srng"])
        method.set_state({**saved_method, **meta.get("method", {})})
        shuffle_rng.bit_generator.state = meta["shuffle_rng"]
        binarize_rng.bit_generator.state = meta["binarize_rng"]
        if "rows_rng" in meta:  # checkpoints from before the with-replacement sampling have none
            rows_rng.bit_generator.state = meta["rows_rng"]
        history = meta["history"]
        write_history(os.path.join(out, HISTORY_FILE), history)
        log(f"resuming {out} after epoch {len(history)}")

    last_save = time.perf_counter()
    for epoch in range(len(history) + 1, epochs + 1):
        begin = time.perf_counter()
        if source is not None:  # the epoch's rows: drawn afresh (shuffled, or with replacement), binarised afresh
            index = draw_rows(config.sampling, len(source), rows_rng)
            rows = source if index is None else source[index]
            rows = dynamic_binarize(rows, binarize_rng) if config.binarize == "dynamic" else rows
            vae.x_train.set_value(rows.astype(vae.dtype))
        if epoch == 1 and config.warm_up:
            warm_up_optimizer(method, rows_rng.integers(0, vae.n_batches, config.warm_up))
        batch_order = shuffle_rng.permutation(vae.n_batches)
        total, done = 0.0, 0
        with tqdm(total=vae.n_batches, desc=f"epoch {epoch}/{epochs}", unit="batch",
                  leave=False, disable=None) as bar:
            for chunk in np.array_split(batch_order, min(CHUNKS_PER_EPOCH, vae.n_batches)):
                bounds = method.update_batches(chunk, epoch)
                if not np.all(np.isfinite(bounds)):
                    k = int(np.argmin(np.isfinite(bounds)))
                    raise TrainingDiverged(
                        f"the bound became {bounds[k]} at epoch {epoch}, batch {chunk[k]} "
                        f"(step {done + k + 1} of the epoch); lower the learning rate. The last good "
                        f"checkpoint{' (after epoch %d)' % (epoch - 1) if epoch > 1 else ''} is kept.")
                total += float(np.sum(bounds, dtype=np.float64))
                done += len(chunk)
                rate = done * vae.batch_size / (time.perf_counter() - begin)
                bar.set_postfix(bound=f"{total / done:.2f}", img_s=f"{rate:.0f}", refresh=False)
                bar.update(len(chunk))
        train_bound = total / vae.n_batches
        seconds = time.perf_counter() - begin
        valid_bound = mean_lower_bound(vae, x_valid)
        history.append(dict(epoch=epoch, train_bound=train_bound, valid_bound=valid_bound,
                            seconds=seconds))
        if epoch == epochs or time.perf_counter() - last_save >= checkpoint_every:
            save_checkpoint(path, vae, dict(config=config.to_dict(), history=history,
                                            shuffle_rng=shuffle_rng.bit_generator.state,
                                            binarize_rng=binarize_rng.bit_generator.state,
                                            rows_rng=rows_rng.bit_generator.state),
                            method.get_state())
            write_history(os.path.join(out, HISTORY_FILE), history)
            last_save = time.perf_counter()
        log(f"epoch {epoch:3d}/{epochs}  train {train_bound:9.3f}  valid {valid_bound:9.3f}  "
            f"{seconds:6.2f} s  {vae.n_batches * vae.batch_size / seconds:7.0f} img/s")
    return history


def draw_rows(sampling, n, rng):
    """An epoch's rows, as indices into the n training rows, for ``RunConfig.sampling``: a fresh
    permutation ("shuffled-rows"), or n draws with replacement ("with-replacement"); None for
    "epochs", whose minibatches are the rows as given."""
    if sampling == "shuffled-rows":
        return rng.permutation(n)
    if sampling == "with-replacement":
        return rng.integers(0, n, n)
    return None


def warm_up_optimizer(method, batches):
    """Kingma's warm-up: ``method``'s step on each batch of ``batches``, each from the initial
    weights (they are put back after every step), so that the weights do not move and the
    optimiser's sums do: Adagrad's sum of squared gradients starts from these gradients
    (anglepy's ``step_va``, ``warmup=100``), instead of from the first step's alone. The
    noise generator advances, as for any step (and Adam's moments move, under Adam)."""
    weights = {name: p.get_value() for name, p in method.vae.params.items()}
    for batch in batches:
        method.update(int(batch), 1)
        for name, p in method.vae.params.items():
            p.set_value(weights[name])


def write_history(path, history):
    """history.csv: one row per epoch (epoch, train_bound, valid_bound, seconds), atomically."""
    write_csv(history, HISTORY_FIELDS, path)


def read_history(path):
    """The rows of history.csv as dicts of numbers."""
    with open(path, newline="") as f:
        return [{"epoch": int(r["epoch"]), **{k: float(r[k]) for k in HISTORY_FIELDS[1:]}}
                for r in csv.DictReader(f)]
