"""Figure 2 of Kingma & Welling (2013): the lower bound against training samples, AEVB against wake-sleep.

MNIST with N_z in {3, 5, 10, 20, 200} and 500 hidden units, Frey Face with
N_z in {2, 5, 10, 20} and 200 (``settings.FIGURE2``), each model in a folder
of its own, ``<dataset>_nz<N_z>_<method>``. The figure's rows are every
model's epochs thinned to ``rows_per_decade`` on the log axis (10^7 samples
are 6,667 epochs of Frey Face); each model's history.csv has them all.
"""

import functools
import math
import os

from ..files.atomic import write_csv
from ..plots import plot_paper_panels
from ..runs.config import load_dataset
from ..runs.folder import exclusive_run_folder
from ..runs.sweep import Task, check_cluster_options, run_tasks
from . import settings
from .models import loop_columns, step_columns, train_model
from .published_curves import figure2_curves

FIELDS = ("dataset", "n_z", "method", "samples", "train_bound", "test_bound", "step_size", "step_scores",
          "sampling", "warm_up")


def parse_budget(text, datasets):
    """--budget: one number for every data set, or "name=number,..." naming each of ``datasets``."""
    try:
        if "=" not in text:
            return dict.fromkeys(datasets, float(text))
        budgets = {name.strip(): float(value) for name, value in (item.split("=") for item in text.split(","))}
    except ValueError:
        raise ValueError(f"--budget: a number or name=number,..., got {text!r}") from None
    missing = [d for d in datasets if d not in budgets]
    if missing or any(b <= 0 for b in budgets.values()):
        raise ValueError(f"--budget {text!r}: needs a positive number for {', '.join(datasets)}")
    return budgets


def thinned(rows, per_decade):
    """The rows (in order of samples) whose floor(per_decade * log10(samples)) is new, and the last."""
    kept, last_bin = [], None
    for i, row in enumerate(rows):
        bin_ = int(per_decade * math.log10(row["samples"]) + 1e-9)
        if bin_ != last_bin or i == len(rows) - 1:
            kept.append(row)
            last_bin = bin_
    return kept


def model_data(dataset, data=None, *, split_seed=None, held_out=None, binarize=None):
    """(x_train, x_held) of figure 2's models: MNIST's training and test sets (binarised once
    where ``binarize`` asks, as ``load_dataset``); Frey Face shuffled with ``split_seed``, its
    last ``held_out`` faces held out (None, None: ``settings.FREY_SPLIT``, seed 0 and 365).
    Each process (a Dask worker too) loads each data set once."""
    if dataset == "freyface":
        split_seed = settings.FREY_SPLIT["seed"] if split_seed is None else split_seed
        held_out = settings.FREY_SPLIT["held_out"] if held_out is None else held_out
        binarize = None
    else:
        split_seed = held_out = None
    return _loaded(dataset, data, split_seed, held_out, binarize)


@functools.lru_cache(maxsize=None)
def _loaded(dataset, data, split_seed, held_out, binarize):
    x_train, held = load_dataset(dataset, data, binarize=binarize, split_seed=split_seed, held_out=held_out)
    return x_train, held.x


def train_curve(folder, *, title, name, n_z, hidden, method, budget, data, rows_per_decade, split=(None, None),
                log=print, **options):
    """One model of figure 2's kind, trained to ``budget`` samples in ``folder`` (a sweep's
    task, so every setting is an argument, not read from ``settings`` in the worker); returns
    its rows of figure2.csv: the epochs thinned to ``rows_per_decade``, each with the model's
    step size (``step_columns``) and training loop (``loop_columns``).

    title: the model's name in the log lines; data: the data file or folder (``model_data``
    loads it, binarised as the run's ``changes`` ask); split: Frey Face's (seed, faces held
    out); options: ``train_model``'s (dtype, mode, seed, step_size, changes, checkpoint_every).
    """
    with exclusive_run_folder(folder):  # held for the whole task, checked before the data loads
        log(f"{title}: up to {budget:.3g} samples in {folder}")
        binarize = (options.get("changes") or {}).get("binarize")
        x = model_data(name, data, split_seed=split[0], held_out=split[1], binarize=binarize)
        trained = train_model(folder, dataset=name, data=x, n_latent=n_z,
                              hidden=hidden, method=method, budget=budget, log=log, **options)
    per_epoch = trained.vae.n_batches * trained.vae.batch_size
    columns = dict(step_columns(trained.choice), **loop_columns(trained.config))
    rows = thinned([dict(dataset=name, n_z=n_z, method=method, samples=h["epoch"] * per_epoch,
                         train_bound=h["train_bound"], test_bound=h["valid_bound"], **columns)
                    for h in trained.history], rows_per_decade)
    log(f"  {title}: {rows[-1]['samples']:,} samples: train {rows[-1]['train_bound']:.2f}, "
        f"test {rows[-1]['test_bound']:.2f}, step size {trained.choice['step_size']}")
    return rows


def make_figure2(out, *, datasets, methods, budgets, latents=None, data=None, dtype="float32", mode=None,
                 rows_per_decade=50, log=print, workers=None, scheduler=None,
                 checkpoint_every=settings.CHECKPOINT_EVERY, changes=None):
    """Train (or continue) every model of the figure to ``budgets[dataset]`` samples under
    ``out``, then write figure2.csv and figure2.png there; returns the figure's rows.

    latents: the N_z to run (None: the paper's). workers, scheduler: where the models
    train (``runs.sweep.run_tasks``; None, None: here, one after another). changes: the
    run configuration's fields that differ from the paper's, for every model (the
    training loop's ``sampling`` and ``warm_up``).
    """
    check_cluster_options(workers, scheduler)
    jobs = [(d, n_z, m) for d in datasets for n_z in settings.FIGURE2[d]["latents"]
            if latents is None or n_z in latents for m in methods]
    split = (settings.FREY_SPLIT["seed"], settings.FREY_SPLIT["held_out"])
    with exclusive_run_folder(out):  # one run per folder, checked before the data loads
        for name in datasets:
            model_data(name, data, split_seed=split[0], held_out=split[1])  # a bad file ends the run here
        tasks = [Task(f"{name}_nz{n_z}_{method}", train_curve,
                      folder=os.path.join(out, f"{name}_nz{n_z}_{method}"), title=f"{name}, N_z = {n_z}, {method}",
                      name=name, n_z=n_z, hidden=settings.FIGURE2[name]["hidden"], method=method,
                      budget=budgets[name], data=data, split=split, dtype=dtype, mode=mode,
                      rows_per_decade=rows_per_decade, checkpoint_every=checkpoint_every, changes=changes)
                 for name, n_z, method in jobs]
        rows = [row for rows in run_tasks(tasks, workers=workers, scheduler=scheduler, desc="figure 2", log=log)
                for row in rows]
        write_csv(rows, FIELDS, os.path.join(out, "figure2.csv"))
        plot(rows, datasets, methods, os.path.join(out, "figure2.png"))
    return rows


def plot(rows, datasets, methods, path):
    """One row of panels per data set, one panel per N_z, every method in each, the paper's
    curves faint behind ours."""
    def curves(name, n_z):
        mine = {m: [r for r in rows if r["dataset"] == name and r["n_z"] == n_z and r["method"] == m]
                for m in methods}
        return {m: ([r["samples"] for r in rs], [r["train_bound"] for r in rs], [r["test_bound"] for r in rs])
                for m, rs in mine.items() if rs}

    paper = figure2_curves()
    panels = [[(f"{settings.TITLES[name]}, $N_z$ = {n_z}", curves(name, n_z),
                {m: paper[name, n_z, m] for m in methods if (name, n_z, m) in paper})
               for n_z in settings.FIGURE2[name]["latents"]] for name in datasets]
    plot_paper_panels(panels, path, "L (lower bound, nats)")
