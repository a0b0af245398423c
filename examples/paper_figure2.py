"""Figure 2 of Kingma & Welling (2013): the lower bound against training samples evaluated.

    python examples/paper_figure2.py --budget 1e6 --data ../shared/data
    python examples/paper_figure2.py --datasets freyface --budget 3e6

For MNIST (500 hidden units, N_z in 3, 5, 10, 20, 200) and Frey Face (200
hidden units, N_z in 2, 5, 10, 20), trains one model per N_z until --budget
training samples have been evaluated, recording the training bound (mean over
each epoch) and the held-out bound (MNIST's test set, Frey Face's validation
faces) after every epoch. Writes figure2.csv and figure2.png (one panel per
N_z, samples on a log axis) into --out. Each model trains in its own folder
with checkpoints: running the command again resumes, and a larger --budget
continues where a smaller one stopped.

Optimiser: the paper used Adagrad; we use the original code's Adam (b1 0.95,
b2 0.999, epoch bias correction) at learning rate 1e-3 with batches of 100 for
MNIST and, for the Gaussian decoder on Frey Face, 3e-4 with batches of 20,
which train it smoothly (see train_freyface.py).
"""

import argparse
import csv
import math
import os

from vae_theano import VAE
from vae_theano.atomic import atomic_write
from vae_theano.datasets import load_freyface, load_mnist
from vae_theano.experiment import cli
from vae_theano.run_folder import exclusive_run_folder
from vae_theano.training import train

SETUPS = {
    "mnist": dict(hidden=500, latents=(3, 5, 10, 20, 200), batch_size=100, learning_rate=1e-3),
    "freyface": dict(hidden=200, latents=(2, 5, 10, 20), batch_size=20, learning_rate=3e-4),
}


def run_dataset(name, data, budget, out, dtype, log):
    setup = SETUPS[name]
    if name == "mnist":
        (x_train, _), _, (x_held, _) = load_mnist(data)
        continuous = False
    else:
        x_train, x_held = load_freyface(data)
        continuous = True
    epochs = max(1, math.ceil(budget / len(x_train)))
    rows = []
    for n_latent in setup["latents"]:
        folder = os.path.join(out, f"{name}_nz{n_latent}")
        vae = VAE(continuous, setup["hidden"], setup["hidden"], n_latent, x_train,
                  batch_size=setup["batch_size"], learning_rate=setup["learning_rate"], dtype=dtype)
        config = dict(dataset=name, n_latent=n_latent, hidden=setup["hidden"], dtype=dtype,
                      batch_size=setup["batch_size"], learning_rate=setup["learning_rate"])
        log(f"{name}, N_z = {n_latent}: {epochs} epochs ({epochs * vae.n_batches * vae.batch_size:,} samples)")
        history = train(vae, x_held, epochs, folder, config, seed=42, log=lambda s: None)
        rows += [dict(dataset=name, n_latent=n_latent, epoch=h["epoch"],
                      samples=h["epoch"] * vae.n_batches * vae.batch_size,
                      train_bound=h["train_bound"], test_bound=h["valid_bound"])
                 for h in history[:epochs]]
        log(f"  after {rows[-1]['samples']:,} samples: train {rows[-1]['train_bound']:.2f}, "
            f"held-out {rows[-1]['test_bound']:.2f}")
    return rows


def write_csv(rows, path):
    with atomic_write(path, "w") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in SETUPS if any(r["dataset"] == n for r in rows)]
    columns = max(len(SETUPS[n]["latents"]) for n in names)
    fig, axes = plt.subplots(len(names), columns, figsize=(3.2 * columns, 3.2 * len(names)),
                             squeeze=False)
    for i, name in enumerate(names):
        for j in range(columns):
            ax = axes[i][j]
            if j >= len(SETUPS[name]["latents"]):
                ax.axis("off")
                continue
            n_latent = SETUPS[name]["latents"][j]
            mine = [r for r in rows if r["dataset"] == name and r["n_latent"] == n_latent]
            ax.semilogx([r["samples"] for r in mine], [r["train_bound"] for r in mine], "-", label="train")
            ax.semilogx([r["samples"] for r in mine], [r["test_bound"] for r in mine], "--",
                        label="test" if name == "mnist" else "validation")
            ax.set_title(f"{'MNIST' if name == 'mnist' else 'Frey Face'}, $N_z$ = {n_latent}")
            ax.set_xlabel("training samples evaluated")
            if j == 0:
                ax.set_ylabel("lower bound (nats)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
    fig.tight_layout()
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=100)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--budget", type=float, default=1e6, help="training samples evaluated per model")
    p.add_argument("--datasets", default="mnist,freyface", help="comma-separated: mnist, freyface")
    p.add_argument("--data", default=None, help="data file or folder (default: as the loaders search)")
    p.add_argument("--out", default="runs/figure2", help="folder for the runs, figure2.csv and figure2.png")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="precision")
    args = p.parse_args(argv)
    rows = []
    for name in args.datasets.split(","):
        if name not in SETUPS:
            p.error(f"unknown dataset {name!r}; choose from {', '.join(SETUPS)}")
    with exclusive_run_folder(args.out):  # one run per folder, checked before the data loads
        for name in args.datasets.split(","):
            rows += run_dataset(name, args.data, args.budget, args.out, args.dtype, print)
        write_csv(rows, os.path.join(args.out, "figure2.csv"))
        plot(rows, os.path.join(args.out, "figure2.png"))
    print(f"wrote {os.path.join(args.out, 'figure2.csv')} and figure2.png")
    return rows


if __name__ == "__main__":
    cli(main)
