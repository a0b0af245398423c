"""Figure 3 of Kingma & Welling (2013): estimated log p(x) against training samples, AEVB, wake-sleep, MCEM.

    python examples/paper_figure3.py --budget 1e7
    python examples/paper_figure3.py --train-sizes 1000 --methods aevb,mcem --budget 1e6

MNIST with 100 hidden units and N_z = 3, the paper's settings otherwise
(vae_theano/paper.py), trained on the first 1,000 or all 50,000 training
images. At sample counts spaced evenly on a log axis from 10^5 up to --budget,
the marginal likelihood of the first 1,000 training and test images is
estimated as in appendix D (vae_theano.evaluate.hmc_marginal_likelihood: HMC
posterior samples, 50 per image with 4 leapfrog steps, a Gaussian fitted to
them, a harmonic-mean estimate; four chains per image, so that MCEM's
many-moded posteriors are measured by their largest mode, not by the one the
untrained encoder points at). Each model trains in a folder of its own
under --out; running again with a bigger --budget continues. Writes
figure3.csv (train_size, method, samples, train_loglik, test_loglik,
estimator) and figure3.png (one panel per training-set size).
"""

import argparse
import json
import math
import os

import numpy as np
from tqdm import tqdm

from vae_theano.atomic import atomic_write
from vae_theano.checkpoint import CHECKPOINT_FILE, load_checkpoint
from vae_theano.datasets import load_mnist
from vae_theano.evaluate import hmc_marginal_likelihood
from vae_theano.experiment import cli
from vae_theano.paper import METHODS, parse_list, run, samples_per_epoch
from vae_theano.plots import plot_paper_panels
from vae_theano.run_folder import exclusive_run_folder
from vae_theano.training import write_csv

HIDDEN, N_Z, EVALUATED = 100, 3, 1000
FIELDS = ("train_size", "method", "samples", "train_loglik", "test_loglik", "estimator")
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


def evaluate_model(folder, x_train, x_test, train_size, method, budget, per_decade, dtype, mode, log,
                   chains=4, prior_starts=1000):
    """Train to each point in turn and estimate log p(x) there; rows kept in the folder, so a
    rerun neither trains nor evaluates twice. Rows of another estimator (an older one, "hmc",
    had one chain per image) are not mixed in."""
    estimator = f"hmc-{chains}-chains"
    estimate = lambda vae, x: float(np.mean(hmc_marginal_likelihood(vae, x, chains=chains,
                                                                    prior_starts=prior_starts)))
    path = os.path.join(folder, ROWS_FILE)
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            rows = [r for r in json.load(f) if r["estimator"] == estimator]
    per_epoch = samples_per_epoch(len(x_train))
    trained = trained_samples(folder)
    for target in points(budget, per_decade, per_epoch):
        if any(r["samples"] == target for r in rows):
            continue
        if target < trained:
            log(f"  {target:,} samples: not estimated, the model has trained past it (a fresh --out has it)")
            continue
        # (each epoch's held-out bound in the model's history.csv is on 100 test images only: the
        # figure uses the HMC estimates, and an epoch of 1,000 images is 10 steps)
        vae, _, history = run(folder, (x_train, x_test[:100], False), N_Z, HIDDEN, method, target, dtype,
                              log, mode=mode)
        rows.append(dict(train_size=train_size, method=method, samples=len(history) * per_epoch,
                         train_loglik=estimate(vae, x_train[:EVALUATED]), test_loglik=estimate(vae, x_test[:EVALUATED]),
                         estimator=estimator))
        log(f"  {rows[-1]['samples']:,} samples: log p(x) train {rows[-1]['train_loglik']:.2f}, "
            f"test {rows[-1]['test_loglik']:.2f}")
        with atomic_write(path, "w") as f:
            json.dump(rows, f)
    return [r for r in rows if r["samples"] <= max(budget, per_epoch)]


def trained_samples(folder):
    """Samples the model in ``folder`` has trained on so far (0 without a checkpoint)."""
    path = os.path.join(folder, CHECKPOINT_FILE)
    if not os.path.exists(path):
        return 0
    meta = load_checkpoint(path)[1]
    return len(meta["history"]) * samples_per_epoch(meta["config"]["N"])


def plot(rows, sizes, path):
    """One panel per training-set size, every method in each."""
    def curves(size):
        mine = {m: sorted((r for r in rows if r["train_size"] == size and r["method"] == m),
                          key=lambda r: r["samples"]) for m in METHODS}
        return {m: ([r["samples"] for r in rs], [r["train_loglik"] for r in rs], [r["test_loglik"] for r in rs])
                for m, rs in mine.items() if rs}

    plot_paper_panels([[(f"$N_{{train}}$ = {size:,}", curves(size)) for size in sizes]], path,
                      "marginal log-likelihood (nats)", panel_size=(4.5, 3.8))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--budget", type=float, default=1e7, help="training samples evaluated per model")
    p.add_argument("--train-sizes", default="1000,50000", help="comma-separated training-set sizes")
    p.add_argument("--methods", default="aevb,wake-sleep,mcem", help="comma-separated: aevb, wake-sleep, mcem")
    p.add_argument("--points-per-decade", type=int, default=4, help="evaluations per factor of 10 in samples")
    p.add_argument("--chains", type=int, default=4, help="HMC chains per image for the log p(x) estimate")
    p.add_argument("--prior-starts", type=int, default=1000,
                   help="prior draws among which the chains' starting points are chosen")
    p.add_argument("--mcem-max-size", type=int, default=1000,
                   help="run MCEM only on training sets up to this size (the paper: it cannot run "
                        "efficiently on the full set)")
    p.add_argument("--data", default=None, help="MNIST file or folder (default: as the loaders search)")
    p.add_argument("--out", default="runs/figure3", help="folder for the runs, figure3.csv and figure3.png")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="precision")
    p.add_argument("--mode", default=None, help="PyTensor backend (default C; JAX is faster on CPU)")
    args = p.parse_args(argv)
    methods = parse_list(args.methods, METHODS, "--methods")
    try:
        sizes = [int(s) for s in args.train_sizes.split(",")]
    except ValueError:
        raise ValueError(f"--train-sizes must be whole numbers, got {args.train_sizes!r}") from None
    if args.chains < 1 or not 0 <= args.chains - 1 <= args.prior_starts:
        raise ValueError(f"--chains must be at least 1 and at most --prior-starts + 1, "
                         f"got {args.chains} and {args.prior_starts}")
    rows = []
    with exclusive_run_folder(args.out):  # one run per folder, checked before the data loads
        (x_all, _), _, (x_test, _) = load_mnist(args.data)
        if max(sizes) > len(x_all) or min(sizes) < 1:
            raise ValueError(f"--train-sizes must lie in [1, {len(x_all)}], got {sizes}")
        jobs = [(s, m) for s in sizes for m in methods if m != "mcem" or s <= args.mcem_max_size]
        for size, method in tqdm(jobs, desc="figure 3", unit="model", disable=None):
            folder = os.path.join(args.out, f"n{size}_{method}")
            print(f"{size:,} training images, {method}: up to {args.budget:.3g} samples in {folder}", flush=True)
            rows += evaluate_model(folder, x_all[:size], x_test, size, method, args.budget,
                                   args.points_per_decade, args.dtype, args.mode, print,
                                   args.chains, args.prior_starts)
        write_csv(rows, FIELDS, os.path.join(args.out, "figure3.csv"))
        plot(rows, sizes, os.path.join(args.out, "figure3.png"))
    print(f"wrote {os.path.join(args.out, 'figure3.csv')} and figure3.png")
    return rows


if __name__ == "__main__":
    cli(main)
