"""Where our figure 2 differs from the paper's, and why: experiments that each change one thing.

Each experiment is one of figure 2's models (the paper's settings, ``settings.py``,
in the original Theano code's training loop, ``settings.ORIGINAL_LOOP``) with one change:
another seed, a fixed step size, Kingma's training loop of the paper's time
(``dpkingma/anglepy``: minibatches drawn with replacement, a 100-minibatch
Adagrad warm-up; the paper's settings since) or parts of it, its
initialisation (the encoder's log-variance weights at zero), its recognition
log-variance 0.1 W h + b (in the encoder, or in the Gaussian decoder as well), initial weights
read as variance 0.01 (standard deviation 0.1), a decoder variance that
does not depend on z, float64, the KL term sampled (the paper's estimator A),
softplus hidden units, or (wake-sleep) the dream after the wake update. Each
trains in a folder of its own under the sweep's folder, resumable, and gives
rows like figure2.csv's, with the experiment's name, so that it can be held
against figure 2's own model in that loop (the baseline, ``BASELINE_FILE``:
the same panel, seed 42, no change) and the paper's curve.
``examples/paper_differences.py`` runs them; REPRODUCTION.md's "Differences"
tells what each showed.
"""

import itertools
import math
import os
import re
from collections import namedtuple
from types import MappingProxyType

from ..files.atomic import read_csv, write_csv
from ..runs.folder import exclusive_run_folder
from ..runs.sweep import Task, check_cluster_options, run_tasks
from . import settings
from .figure2 import FIELDS as FIGURE2_FIELDS
from .figure2 import model_data, train_curve
from .published_curves import figure2_curves, points_header, signed_cell, value_at
from .settings import STEP_SIZES

FIELDS = ("experiment",) + FIGURE2_FIELDS
CSV_FILE = "differences.csv"
BASELINE_FILE = "figure2_original_loop.csv"  # figure 2's rows in the original's loop, the experiments' baseline
# The experiments were measured against figure 2's models in the original Theano code's loop
# (BASELINE_FILE, settings.ORIGINAL_LOOP), before the paper's settings took Kingma's (settings.LOOP):
# each keeps that loop unless its change is the loop.

# Kingma's wake-sleep recognition log-variance (anglepy's MLBN_Inverse): 0.1 W h + b, W and b from zero
KINGMA_LOG_VAR = MappingProxyType(dict(zero_log_var=True, log_var_factor=0.1))

Experiment = namedtuple("Experiment", "dataset n_z method budget seed step_size changes what",
                        defaults=(42, None, {}, ""))
Experiment.__doc__ = """One of figure 2's models (``dataset``, ``n_z``, ``method``) trained to ``budget``
samples with one change: ``seed`` (42: figure 2's), ``step_size`` (None: chosen as the paper's),
``changes`` ({RunConfig field: value}), described by ``what``."""


def _panel(name):
    """(dataset, n_z) of figure 2's panel that an experiment's name starts with: "frey20" ->
    ("freyface", 20), "mnist200-ws" -> ("mnist", 200)."""
    prefix, n_z = re.match(r"(frey|mnist)(\d+)", name).groups()
    return {"frey": "freyface", "mnist": "mnist"}[prefix], int(n_z)


def _experiments():
    experiments = {}
    for name in ("frey2", "frey20", "mnist5"):
        experiments[f"{name}-kingma-loop"] = Experiment(*_panel(name), "aevb", 3e6, changes=settings.LOOP,
                                                        what="Kingma's loop: rows with replacement, 100-step warm-up")
        experiments[f"{name}-zero-log-var"] = Experiment(
            *_panel(name), "aevb", 3e6, changes=dict(zero_log_var=True),
            what="the encoder's log-variance weights start at zero")
    experiments.update({
        "mnist5-kingma-loop-lr0.02": Experiment("mnist", 5, "aevb", 3e6, step_size=0.02, changes=settings.LOOP,
                                                what="Kingma's loop and step size 0.02, together"),
        "frey2-warm-up": Experiment("freyface", 2, "aevb", 3e6, changes=dict(warm_up=100),
                                    what="the 100-step Adagrad warm-up alone"),
        "frey2-with-replacement": Experiment("freyface", 2, "aevb", 3e6, changes=dict(sampling="with-replacement"),
                                             what="rows drawn with replacement alone"),
        "frey2-shuffled-rows": Experiment("freyface", 2, "aevb", 3e6, changes=dict(sampling="shuffled-rows"),
                                          what="the rows reshuffled into new minibatches every epoch"),
        "mnist5-with-replacement": Experiment("mnist", 5, "aevb", 3e6, changes=dict(sampling="with-replacement"),
                                              what="rows drawn with replacement alone"),
        "mnist5-shuffled-rows": Experiment("mnist", 5, "aevb", 3e6, changes=dict(sampling="shuffled-rows"),
                                           what="the rows reshuffled into new minibatches every epoch"),
        "frey2-lr0.01": Experiment("freyface", 2, "aevb", 3e6, step_size=0.01,
                                   what="step size 0.01 (the rule chose 0.02 by 518.2 against 517.3)"),
        "frey2-lr0.005": Experiment("freyface", 2, "aevb", 3e6, step_size=0.005,
                                    what="step size 0.005, below the paper's three (how much slower matches it?)"),
        "frey2-pixel-variance": Experiment("freyface", 2, "aevb", 3e6, changes=dict(pixel_variance=True),
                                           what="a learned log-variance per pixel, not a function of z"),
        "frey20-pixel-variance": Experiment("freyface", 20, "aevb", 3e6, changes=dict(pixel_variance=True),
                                            what="a learned log-variance per pixel, not a function of z"),
        "frey10-lr0.01": Experiment("freyface", 10, "aevb", 3e6, step_size=0.01, what="step size 0.01"),
        "frey20-ws-lr0.01": Experiment("freyface", 20, "wake-sleep", 7e6, step_size=0.01, what="step size 0.01"),
        "frey20-ws-zero-log-var": Experiment("freyface", 20, "wake-sleep", 7e6, changes=dict(zero_log_var=True),
                                             what="the recognition model's log-variance weights start at zero"),
        "frey20-ws-kingma-log-var": Experiment(
            "freyface", 20, "wake-sleep", 7e6, changes=KINGMA_LOG_VAR,
            what="Kingma's recognition log-variance: 0.1 W h + b, W and b from zero"),
        "frey5-ws-kingma-loop-log-var": Experiment(
            "freyface", 5, "wake-sleep", 1e7, changes=dict(settings.LOOP, **KINGMA_LOG_VAR),
            what="Kingma's loop and his recognition log-variance (in his loop alone, it left the plateau)"),
        "frey10-ws-kingma-loop-log-var": Experiment(
            "freyface", 10, "wake-sleep", 2.5e6, changes=dict(settings.LOOP, **KINGMA_LOG_VAR),
            what="Kingma's loop and his recognition log-variance (in his loop alone, it left after 1.3 x 10^6)"),
        "frey20-ws-kingma-loop-log-var": Experiment(
            "freyface", 20, "wake-sleep", 1e7, changes=dict(settings.LOOP, **KINGMA_LOG_VAR),
            what="Kingma's loop and his recognition log-variance"),
        "mnist5-init-std0.1": Experiment("mnist", 5, "aevb", 3e6, changes=dict(init_std=0.1),
                                         what="initial weights N(0, 0.01) read as variance: standard deviation 0.1"),
        "frey2-init-std0.1": Experiment("freyface", 2, "aevb", 3e6, changes=dict(init_std=0.1),
                                        what="initial weights N(0, 0.01) read as variance: standard deviation 0.1"),
        "mnist2": Experiment("mnist", 2, "aevb", 1e7, what="figure 2's settings at N_z = 2 (figure 4's model)"),
        "frey2": Experiment("freyface", 2, "aevb", 1e7,
                            what="figure 2's own model again (figure 4's; does it repeat figure2_original_loop.csv?)"),
        "mnist5": Experiment("mnist", 5, "aevb", 3e6, what="figure 2's own model again, on this machine"),
    })
    # The first candidates for MNIST's slow start, to 3 x 10^5 samples.
    for step_size in STEP_SIZES:  # 0.02 further: the step size the rule did not choose
        experiments[f"mnist5-lr{step_size}"] = Experiment("mnist", 5, "aevb", 3e6 if step_size == 0.02 else 3e5,
                                                          step_size=step_size, what=f"step size {step_size}")
    experiments.update({
        "mnist5-warm-up": Experiment("mnist", 5, "aevb", 3e6, changes=dict(warm_up=100),
                                     what="the 100-step Adagrad warm-up alone"),
        "mnist5-binary": Experiment("mnist", 5, "aevb", 3e5, changes=dict(binarize="static"),
                                    what="the images binarised once (one Bernoulli draw per pixel)"),
        "mnist5-no-prior": Experiment("mnist", 5, "aevb", 3e5, changes=dict(lam=0.0), what="no weight prior"),
    })
    # MNIST N_z = 200 wake-sleep falls after 5 x 10^5 samples in Kingma's loop and climbs in the
    # original's: which part of the loop, or the seed? (by 1.5 x 10^6: -184 against -148)
    experiments.update({
        "mnist200-ws-with-replacement": Experiment("mnist", 200, "wake-sleep", 1.5e6,
                                                   changes=dict(sampling="with-replacement"),
                                                   what="rows drawn with replacement alone"),
        "mnist200-ws-warm-up": Experiment("mnist", 200, "wake-sleep", 1.5e6, changes=dict(warm_up=100),
                                          what="the 100-step Adagrad warm-up alone"),
        "mnist200-ws-kingma-loop-seed2": Experiment("mnist", 200, "wake-sleep", 1.5e6, seed=2, step_size=0.01,
                                                    changes=settings.LOOP,
                                                    what="Kingma's loop, seed 2, step size 0.01 (the rule's)"),
        # his wake-sleep in full: does it fall too?
        "mnist200-ws-kingma-loop-dream-after-wake": Experiment(
            "mnist", 200, "wake-sleep", 1.5e6, step_size=0.01, changes=dict(settings.LOOP, dream_after_wake=True),
            what="Kingma's loop and his order: the dream after the wake update"),
        "mnist200-ws-kingma-loop-log-var": Experiment(  # it recovered after 8.5 x 10^5: how far?
            "mnist", 200, "wake-sleep", 1e7, step_size=0.01,
            changes=dict(settings.LOOP, **KINGMA_LOG_VAR),
            what="Kingma's loop and his recognition log-variance: 0.1 W h + b, W and b from zero"),
    })
    # Frey Face wake-sleep leaves the plateau in Kingma's loop (N_z = 20 after 6 x 10^5 samples,
    # N_z = 10 after 1.2 x 10^6): his step also dreamt from the generative model after its wake update.
    for n_z in (10, 20):
        experiments[f"frey{n_z}-ws-kingma-loop-dream-after-wake"] = Experiment(
            "freyface", n_z, "wake-sleep", 2.5e6, changes=dict(settings.LOOP, dream_after_wake=True),
            what="Kingma's loop and his order: the dream from the generative model after the wake update")
    # Frey Face AEVB climbs faster than the paper's at every N_z; at N_z = 2 as ours would at step size
    # 0.005. Does half the smallest step size match every N_z? Does Kingma's float64 slow it?
    for n_z in (5, 10, 20):
        experiments[f"frey{n_z}-lr0.005"] = Experiment(
            "freyface", n_z, "aevb", 3e6, step_size=0.005,
            what="step size 0.005, below the paper's three (does it match the paper's curve as at N_z = 2?)")
    # The per-pixel variance again at a step size of the paper's set: the rule chose 0.1 for it, which
    # could hide a slower climb. And the paper's Frey Face decoder is "identical to the encoder": with
    # Kingma's recognition log-variance in the encoder, the decoder's log-variance is 0.1 W h + b too.
    for n_z in (2, 20):
        experiments[f"frey{n_z}-pixel-variance-lr0.01"] = Experiment(
            "freyface", n_z, "aevb", 3e6, step_size=0.01, changes=dict(pixel_variance=True),
            what="a log-variance per pixel at step size 0.01 (the rule chose 0.1 for it)")
        experiments[f"frey{n_z}-decoder-kingma-log-var"] = Experiment(
            "freyface", n_z, "aevb", 3e6, changes=dict(KINGMA_LOG_VAR, log_var_layers="encoder-and-decoder"),
            what="Kingma's log-variance 0.1 W h + b from zero in the encoder and the decoder, "
                 "whose Gaussian the paper calls identical to the encoder")
    for n_z in (2, 20):
        experiments[f"frey{n_z}-float64"] = Experiment("freyface", n_z, "aevb", 3e6, changes=dict(dtype="float64"),
                                                       what="float64, as Kingma's code (ours: float32)")
    # The recognition model of Kingma's code before the paper (MLBN_Inverse, October 2013; the only one
    # there): its log-variance 0.1 W h + b from zero. Does AEVB's encoder with it climb as the paper's?
    # The paper used "the same encoder (recognition model)" for wake-sleep and AEVB.
    for name in ("frey2", "frey20", "mnist5"):
        experiments[f"{name}-kingma-log-var"] = Experiment(
            *_panel(name), "aevb", 3e6, changes=KINGMA_LOG_VAR,
            what="Kingma's recognition log-variance (MLBN_Inverse): 0.1 W h + b, W and b from zero")
    # The paper's generic estimator A (eq. 6): its KL term sampled, a noise in the encoder's gradients
    # that grows with N_z (ours, the paper's estimator B for its VAE, eq. 10: the closed form).
    for n_z in (2, 20):
        experiments[f"frey{n_z}-sampled-kl"] = Experiment(
            "freyface", n_z, "aevb", 3e6, changes=dict(kl="sampled"),
            what="the KL term sampled: log p(z) - log q(z|x) at z (the paper's estimator A, eq. 6)")
    # Softplus hidden units: the default of the first AEVB model in Kingma's public code (anglepy's DLVM,
    # April 2014; the paper's appendix C writes tanh). Their h = log 2 at the start feeds the output
    # layer's Adagrad sums from the first step.
    for name in ("frey2", "frey20", "mnist5"):
        experiments[f"{name}-softplus"] = Experiment(
            *_panel(name), "aevb", 3e6, changes=dict(activation="softplus"),
            what="softplus hidden units, log(1 + e^a) (anglepy's DLVM of April 2014; the paper: tanh)")
    # Both Frey Face differences are the paper's models learning less than ours: AEVB slower, wake-sleep
    # never leaving its plateau. A stronger weight prior would do both: the N(0, I) prior at full strength
    # on every minibatch, as if the data term's N / M were left out (lam = N / M; Kingma's step_va
    # scales the prior by M / N, as ours).
    for name, method, lam, changes in (("frey2", "aevb", 16.0, {}), ("frey20", "aevb", 16.0, {}),
                                       ("frey20-ws-kingma-loop", "wake-sleep", 16.0, settings.LOOP),
                                       ("mnist5", "aevb", 500.0, {})):
        experiments[f"{name}-prior-per-minibatch"] = Experiment(
            *_panel(name), method, 3e6, changes=dict(changes, lam=lam),
            what=f"the weight prior in full on every minibatch: lam = N / M = {lam:g}")
    # The warm-up's length: 10 minibatches in Kingma's code of October 2013 (step_pvem), before the
    # paper; 100 from April 2014 (step_va, step_wakesleep). The 100 make MNIST's wake-sleep N_z = 200
    # fall; which part of his loop makes Frey Face's wake-sleep leave its plateau?
    warm_up10 = dict(settings.LOOP, warm_up=10)
    for name, method, budget in (("mnist200-ws", "wake-sleep", 1.5e6), ("mnist5", "aevb", 3e6),
                                 ("frey5-ws", "wake-sleep", 3e6), ("frey10-ws", "wake-sleep", 3e6),
                                 ("frey20-ws", "wake-sleep", 3e6)):
        experiments[f"{name}-kingma-loop-warm-up10"] = Experiment(
            *_panel(name), method, budget, changes=warm_up10,
            what="Kingma's loop with his warm-up of October 2013: 10 minibatches, not 100")
    for n_z in (10, 20):
        experiments[f"frey{n_z}-ws-with-replacement"] = Experiment(
            "freyface", n_z, "wake-sleep", 3e6, changes=dict(sampling="with-replacement"),
            what="rows drawn with replacement alone (Kingma's loop without its warm-up)")
    for seed in (1, 2, 3):
        experiments[f"frey20-ws-seed{seed}"] = Experiment("freyface", 20, "wake-sleep", 1e7, seed=seed,
                                                          step_size=0.02, what=f"seed {seed}, step size 0.02")
    for seed in (1, 2, 3, 4):
        experiments[f"mnist5-seed{seed}"] = Experiment("mnist", 5, "aevb", 3e6, seed=seed, what=f"seed {seed}")
    # Frey Face AEVB: does the seed move a panel as far as the paper's curve is from ours? The step
    # size is the one the rule chose for figure 2's model in the original's loop (copied from
    # BASELINE_FILE's step_size), so the seed alone changes.
    for (n_z, step_size), seed in itertools.product([(2, 0.02), (5, 0.01), (10, 0.02), (20, 0.01)], (1, 2)):
        experiments[f"frey{n_z}-seed{seed}"] = Experiment("freyface", n_z, "aevb", 3e6, seed=seed, step_size=step_size,
                                                          what=f"seed {seed}, step size {step_size} (figure 2's)")
    return {name: e._replace(changes={**settings.ORIGINAL_LOOP, **e.changes}) for name, e in experiments.items()}


EXPERIMENTS = _experiments()


def loop_of(name):
    """The training loop's CSV columns of experiment ``name`` (the original's for one no longer defined)."""
    changes = {**settings.ORIGINAL_LOOP, **(EXPERIMENTS[name].changes if name in EXPERIMENTS else {})}
    return {key: changes[key] for key in settings.ORIGINAL_LOOP}


def train_experiment(folder, *, name, experiment, data, rows_per_decade, checkpoint_every, log=print):
    """One experiment (a sweep's task) trained in ``folder``; its rows of differences.csv."""
    e = experiment
    rows = train_curve(folder, title=f"{name} ({e.what})", name=e.dataset, n_z=e.n_z,
                       hidden=settings.FIGURE2[e.dataset]["hidden"], method=e.method, budget=e.budget, data=data,
                       rows_per_decade=rows_per_decade, log=log, seed=e.seed, step_size=e.step_size,
                       changes=e.changes, checkpoint_every=checkpoint_every)
    return [dict(experiment=name, **row) for row in rows]


def run_experiments(out, names, *, data=None, budget=None, rows_per_decade=50, workers=None, scheduler=None,
                    log=print, checkpoint_every=settings.CHECKPOINT_EVERY):
    """Train (or continue) the experiments ``names`` under ``out`` and write their rows to
    ``out``/differences.csv, beside the rows it holds of other experiments; returns their rows.

    budget: training samples for every experiment (None: each its own, ``EXPERIMENTS``)."""
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        raise ValueError(f"unknown experiments {', '.join(unknown)}; choose from {', '.join(EXPERIMENTS)}")
    if budget is not None and not budget > 0:
        raise ValueError(f"budget must be a positive number of samples, got {budget!r}")
    check_cluster_options(workers, scheduler)
    with exclusive_run_folder(out):
        for dataset, binarize in {(EXPERIMENTS[n].dataset, EXPERIMENTS[n].changes.get("binarize")) for n in names}:
            model_data(dataset, data, binarize=binarize)  # a missing or bad file: the run ends before training
        experiments = {name: EXPERIMENTS[name]._replace(budget=budget or EXPERIMENTS[name].budget) for name in names}
        tasks = [Task(name, train_experiment, folder=os.path.join(out, name), name=name, experiment=experiment,
                      data=data, rows_per_decade=rows_per_decade, checkpoint_every=checkpoint_every)
                 for name, experiment in experiments.items()]
        rows = [row for rows in run_tasks(tasks, workers=workers, scheduler=scheduler, desc="experiments", log=log)
                for row in rows]
        path = os.path.join(out, CSV_FILE)
        kept = [dict(loop_of(r["experiment"]), **r) for r in read_csv(path)  # loop: rows from before its columns
                if r["experiment"] not in names] if os.path.exists(path) else []
        write_csv(kept + rows, FIELDS, path)
    return rows


def table(rows, baseline, points=(1e6, 3e6, 1e7)):
    """Markdown: each experiment of ``rows`` (differences.csv's) against figure 2's own model of
    its panel in the original's loop (``baseline``, ``BASELINE_FILE``'s rows) at ``points``
    samples, train / test (nats), and against the paper's curve where the experiment stopped.
    Values between rows are read on the log axis, as the figures'."""
    paper = figure2_curves()
    lines = ["| experiment | change | step size | " + points_header(points)
             + " | where it stopped: ours minus the paper's |",
             "|---|---|---|" + "---|" * len(points) + "---|"]
    curve = lambda rs, part: ([r["samples"] for r in rs], [r[part] for r in rs])
    for name in dict.fromkeys(r["experiment"] for r in rows):
        mine = sorted((r for r in rows if r["experiment"] == name), key=lambda r: r["samples"])
        e = EXPERIMENTS.get(name)
        panel = (mine[0]["dataset"], mine[0]["n_z"], mine[0]["method"])
        theirs = sorted((r for r in baseline if (r["dataset"], r["n_z"], r["method"]) == panel),
                        key=lambda r: r["samples"])
        cells = []
        for p in points:
            deltas = [value_at(*curve(mine, part), p) - value_at(*curve(theirs, part), p)
                      for part in ("train_bound", "test_bound")]
            cells.append(signed_cell(*deltas))
        end, published = mine[-1], paper.get(panel, {})
        at_end = [end[f"{part}_bound"] - value_at(*published[part], end["samples"]) if part in published
                  else math.nan for part in ("train", "test")]
        stop = f"{end['samples']:.2g}: " + " / ".join(signed_cell(d) for d in at_end)
        title = f"{settings.TITLES[panel[0]]} N_z={panel[1]} {panel[2]}: {name}"
        lines.append(f"| {title} | {e.what if e else ''} | {end['step_size']} | " + " | ".join(cells) + f" | {stop} |")
    return "\n".join(lines)
