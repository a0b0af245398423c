"""Figure 2 of Kingma & Welling (2013): the lower bound against training samples, AEVB against wake-sleep.

    python examples/paper_figure2.py --budget 1e7                     # MNIST and Frey Face, both methods
    python examples/paper_figure2.py --datasets mnist --methods aevb --budget 1e6
    python examples/paper_figure2.py --budget mnist=1e7,frey=5e6     # a budget per data set

The paper's settings (vae_theano/paper.py): tanh units, 500 hidden units for
MNIST and 200 for Frey Face, M = 100, Adagrad with the step size chosen from
{0.01, 0.02, 0.1}, N(0, I) weight prior; MNIST with N_z in {3, 5, 10, 20, 200},
Frey Face with N_z in {2, 5, 10, 20}. Each model trains in a folder of its
own under --out; running again with a bigger --budget continues every model.
Writes figure2.csv (dataset, n_z, method, samples, train_bound, test_bound)
and figure2.png (one panel per N_z, log x axis, both methods in each panel),
from every model's epochs thinned to --rows-per-decade on the log axis (10^7
samples are 6,667 epochs of Frey Face); each model's history.csv has them all.
"""

import argparse
import math
import os

from tqdm import tqdm

from vae_theano.datasets import load_freyface, load_mnist
from vae_theano.experiment import cli
from vae_theano.paper import parse_list, run
from vae_theano.plots import plot_paper_panels
from vae_theano.run_folder import exclusive_run_folder
from vae_theano.training import write_csv

SETUPS = {
    "mnist": dict(hidden=500, latents=(3, 5, 10, 20, 200), title="MNIST"),
    "frey": dict(hidden=200, latents=(2, 5, 10, 20), title="Frey Face"),
}
METHODS = ("aevb", "wake-sleep")
FIELDS = ("dataset", "n_z", "method", "samples", "train_bound", "test_bound")


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


def load(name, data):
    """(x_train, x_held, continuous): MNIST's test set; Frey Face's last 465 faces."""
    if name == "mnist":
        (x_train, _), _, (x_test, _) = load_mnist(data)
        return x_train, x_test, False
    x_train, x_valid = load_freyface(data)
    return x_train, x_valid, True


def plot(rows, datasets, path):
    """One row of panels per data set, one panel per N_z, both methods in each."""
    def curves(name, n_z):
        mine = {m: [r for r in rows if r["dataset"] == name and r["n_z"] == n_z and r["method"] == m]
                for m in METHODS}
        return {m: ([r["samples"] for r in rs], [r["train_bound"] for r in rs], [r["test_bound"] for r in rs])
                for m, rs in mine.items() if rs}

    panels = [[(f"{SETUPS[name]['title']}, $N_z$ = {n_z}", curves(name, n_z)) for n_z in SETUPS[name]["latents"]]
              for name in datasets]
    plot_paper_panels(panels, path, "L (lower bound, nats)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--budget", default="1e7",
                   help="training samples evaluated per model: a number, or one per data set (mnist=1e7,frey=5e6)")
    p.add_argument("--datasets", default="mnist,frey", help="comma-separated: mnist, frey")
    p.add_argument("--methods", default="aevb,wake-sleep", help="comma-separated: aevb, wake-sleep")
    p.add_argument("--rows-per-decade", type=int, default=50,
                   help="epochs kept in figure2.csv per factor of 10 in samples")
    p.add_argument("--latents", default=None, help="comma-separated N_z to run (default: the paper's)")
    p.add_argument("--data", default=None, help="data file or folder (default: as the loaders search)")
    p.add_argument("--out", default="runs/figure2", help="folder for the runs, figure2.csv and figure2.png")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="precision")
    p.add_argument("--mode", default=None, help="PyTensor backend (default C; JAX is faster on CPU)")
    args = p.parse_args(argv)
    datasets = parse_list(args.datasets, SETUPS, "--datasets")
    methods = parse_list(args.methods, METHODS, "--methods")
    budgets = parse_budget(args.budget, datasets)
    only = None if args.latents is None else {int(n) for n in args.latents.split(",")}
    jobs = [(d, n_z, m) for d in datasets for n_z in SETUPS[d]["latents"] if only is None or n_z in only
            for m in methods]
    rows = []
    with exclusive_run_folder(args.out):  # one run per folder, checked before the data loads
        data = {d: load(d, args.data) for d in datasets}
        for name, n_z, method in tqdm(jobs, desc="figure 2", unit="model", disable=None):
            folder = os.path.join(args.out, f"{name}_nz{n_z}_{method}")
            print(f"{name}, N_z = {n_z}, {method}: up to {budgets[name]:.3g} samples in {folder}", flush=True)
            vae, _, history = run(folder, data[name], n_z, SETUPS[name]["hidden"], method, budgets[name],
                                  args.dtype, print, mode=args.mode)
            per_epoch = vae.n_batches * vae.batch_size
            rows += thinned([dict(dataset=name, n_z=n_z, method=method, samples=h["epoch"] * per_epoch,
                                  train_bound=h["train_bound"], test_bound=h["valid_bound"]) for h in history],
                            args.rows_per_decade)
            print(f"  {rows[-1]['samples']:,} samples: train {rows[-1]['train_bound']:.2f}, "
                  f"test {rows[-1]['test_bound']:.2f}", flush=True)
        write_csv(rows, FIELDS, os.path.join(args.out, "figure2.csv"))
        plot(rows, datasets, os.path.join(args.out, "figure2.png"))
    print(f"wrote {os.path.join(args.out, 'figure2.csv')} and figure2.png")
    return rows


if __name__ == "__main__":
    cli(main)
