"""Figure 3 of Kingma & Welling (2013): estimated log p(x) against training samples, AEVB, wake-sleep, MCEM.

MNIST models with 100 hidden units and N_z = 3 (``settings.FIGURE3_*``),
trained on the first 1,000 or all 50,000 training images, each in a folder of
its own, ``n<size>_<method>``. At sample counts spaced evenly on a log axis
from 10^5 up to the budget, the marginal likelihood of the first 1,000
training and test images is estimated as in appendix D
(``marginal_likelihood.hmc_marginal_likelihood``). Each folder keeps its
estimates, so a rerun neither trains nor evaluates twice.
"""

import functools
import json
import math
import os

import numpy as np

from ..datasets import load_mnist
from ..files.atomic import atomic_write, write_csv
from ..plots import plot_paper_panels
from ..runs.checkpoint import CHECKPOINT_FILE, load_checkpoint, saved_config
from ..runs.folder import exclusive_run_folder
from ..runs.sweep import Task, check_cluster_options, run_tasks
from . import settings
from .marginal_likelihood import hmc_marginal_likelihood
from .models import loop_columns, saved_choice, step_columns, train_model
from .published_curves import figure3_curves

FIELDS = ("train_size", "method", "samples", "train_loglik", "test_loglik", "estimator", "step_size",
          "step_scores", "sampling", "warm_up")
ROWS_FILE = "figure3_rows.json"


def points(budget, per_decade, per_epoch):
    """The evaluation points: start * 10^(k / per_decade) samples for k = 0, 1, ... up to
    ``budget``, each rounded up to whole epochs; start is 10^5 (one epoch for budgets
    below that, as in the tests). The grid does not depend on the budget, so a bigger
    budget only adds points."""
    start = 1e5 if budget >= 1e5 else per_epoch
    grid = start * 10 ** (np.arange(int(per_decade * math.log10(max(budget, start) / start) + 1e-9) + 1)
                          / per_decade)
    return sorted({math.ceil(t / per_epoch - 1e-9) * per_epoch for t in grid})


def evaluate_model(folder, *, x_train, x_test, method, budget, per_decade, dtype, mode, log,
                   chains=4, prior_starts=1000, changes=None):
    """Train to each point in turn and estimate log p(x) there; rows kept in the folder, so a
    rerun neither trains nor evaluates twice. Rows of another estimator (an older one, "hmc",
    had one chain per image) are not mixed in. changes: the run configuration's fields that
    differ from the paper's (the training loop's), for ``settings.LOOP_METHODS`` alone."""
    estimator = f"hmc-{chains}-chains"
    estimate = lambda vae, x: float(np.mean(hmc_marginal_likelihood(vae, x, chains=chains,
                                                                    prior_starts=prior_starts)))
    path = os.path.join(folder, ROWS_FILE)
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            rows = [r for r in json.load(f) if r["estimator"] == estimator]
    per_epoch = settings.samples_per_epoch(len(x_train))
    trained = trained_samples(folder)
    evaluated = settings.FIGURE3_EVALUATED
    for target in points(budget, per_decade, per_epoch):
        if any(r["samples"] == target for r in rows):
            continue
        if target < trained:
            log(f"  {target:,} samples: not estimated, the model has trained past it (a fresh --out has it)")
            continue
        # (each epoch's held-out bound in the model's history.csv is on 100 test images only: the
        # figure uses the HMC estimates, and an epoch of 1,000 images is 10 steps)
        model = train_model(folder, dataset="mnist", data=(x_train, x_test[:100]), n_latent=settings.FIGURE3_N_Z,
                            hidden=settings.FIGURE3_HIDDEN, method=method, budget=target, dtype=dtype, log=log,
                            mode=mode, changes=changes if method in settings.LOOP_METHODS else None)
        rows.append(dict(train_size=len(x_train), method=method, samples=len(model.history) * per_epoch,
                         train_loglik=estimate(model.vae, x_train[:evaluated]),
                         test_loglik=estimate(model.vae, x_test[:evaluated]), estimator=estimator))
        log(f"  {rows[-1]['samples']:,} samples: log p(x) train {rows[-1]['train_loglik']:.2f}, "
            f"test {rows[-1]['test_loglik']:.2f}")
        with atomic_write(path, "w") as f:
            json.dump(rows, f)
    choice = saved_choice(folder)  # the model's step size, kept since its first training
    columns = step_columns(choice) if choice else dict(step_size="", step_scores="")
    path = os.path.join(folder, CHECKPOINT_FILE)
    columns.update(loop_columns(saved_config(load_checkpoint(path)[1], path)) if os.path.exists(path)
                   else dict(sampling="", warm_up=""))
    return [dict(r, **columns) for r in rows if r["samples"] <= max(budget, per_epoch)]


def trained_samples(folder):
    """Samples the model in ``folder`` has trained on so far (0 without a checkpoint)."""
    path = os.path.join(folder, CHECKPOINT_FILE)
    if not os.path.exists(path):
        return 0
    meta = load_checkpoint(path)[1]
    return len(meta["history"]) * settings.samples_per_epoch(saved_config(meta, path).N)


@functools.lru_cache(maxsize=None)  # each process (a Dask worker too) loads MNIST once
def mnist_images(data=None):
    """(x_all, x_test): MNIST's 50,000 training images and its 10,000 test images."""
    (x_all, _), _, (x_test, _) = load_mnist(data)
    return x_all, x_test


def train_figure3_model(folder, *, size, method, budget, data, dtype, mode, per_decade, chains, prior_starts,
                        changes=None, log=print):
    """One model of the figure (a sweep's task): trained on the first ``size`` images and
    estimated at each point up to ``budget``; returns its rows of figure3.csv."""
    with exclusive_run_folder(folder):  # held for the whole task, its estimates included
        log(f"{size:,} training images, {method}: up to {budget:.3g} samples in {folder}")
        x_all, x_test = mnist_images(data)
        return evaluate_model(folder, x_train=x_all[:size], x_test=x_test, method=method, budget=budget,
                              per_decade=per_decade, dtype=dtype, mode=mode, log=log, chains=chains,
                              prior_starts=prior_starts, changes=changes)


def make_figure3(out, *, sizes, methods, budget, data=None, dtype="float32", mode=None, per_decade=4,
                 chains=4, prior_starts=1000, mcem_max_size=1000, log=print, workers=None, scheduler=None,
                 changes=None):
    """Train and evaluate every model of the figure under ``out``, then write figure3.csv and
    figure3.png there; returns the figure's rows. MCEM runs only on training sets of at
    most ``mcem_max_size`` images (the paper: it cannot run efficiently on the full set).
    workers, scheduler: where the models train (``runs.sweep.run_tasks``); changes: the run
    configuration's fields that differ from the paper's for AEVB and wake-sleep (the
    training loop's ``sampling`` and ``warm_up``)."""
    if chains < 1 or not 0 <= chains - 1 <= prior_starts:
        raise ValueError(f"--chains must be at least 1 and at most --prior-starts + 1, "
                         f"got {chains} and {prior_starts}")
    check_cluster_options(workers, scheduler)
    with exclusive_run_folder(out):  # one run per folder, checked before the data loads
        x_all, _ = mnist_images(data)
        if max(sizes) > len(x_all) or min(sizes) < 1:
            raise ValueError(f"--train-sizes must lie in [1, {len(x_all)}], got {sizes}")
        jobs = [(s, m) for s in sizes for m in methods if m != "mcem" or s <= mcem_max_size]
        tasks = [Task(f"n{size}_{method}", train_figure3_model, folder=os.path.join(out, f"n{size}_{method}"),
                      size=size, method=method, budget=budget, data=data, dtype=dtype, mode=mode,
                      per_decade=per_decade, chains=chains, prior_starts=prior_starts, changes=changes)
                 for size, method in jobs]
        rows = [row for rows in run_tasks(tasks, workers=workers, scheduler=scheduler, desc="figure 3", log=log)
                for row in rows]
        write_csv(rows, FIELDS, os.path.join(out, "figure3.csv"))
        plot(rows, sizes, os.path.join(out, "figure3.png"))
    return rows


def plot(rows, sizes, path):
    """One panel per training-set size, every method in each, the paper's curves faint behind ours."""
    def curves(size):
        mine = {m: sorted((r for r in rows if r["train_size"] == size and r["method"] == m),
                          key=lambda r: r["samples"]) for m in settings.METHODS}
        return {m: ([r["samples"] for r in rs], [r["train_loglik"] for r in rs], [r["test_loglik"] for r in rs])
                for m, rs in mine.items() if rs}

    paper = figure3_curves()
    plot_paper_panels([[(f"$N_{{train}}$ = {size:,}", curves(size),
                         {m: paper[size, m] for m in settings.METHODS if (size, m) in paper and curves(size).get(m)})
                        for size in sizes]], path, "marginal log-likelihood (nats)", panel_size=(4.5, 3.8))
