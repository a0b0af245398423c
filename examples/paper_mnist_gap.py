"""Why figure 2's MNIST curves start below the paper's: one model, several candidate causes, side by side.

    python examples/paper_mnist_gap.py --data ../shared/data                 # N_z = 5, AEVB, to 10^6
    python examples/paper_mnist_gap.py --method wake-sleep --budget 3e6

Trains figure 2's MNIST model (500 tanh units, Adagrad, the weight prior) in
the paper's settings and in variants that change one thing each, and prints
the training and test bounds at 10^5, 3 x 10^5, 10^6, ... samples next to the
paper's curve at those points (``vae_theano/paper/published/``):

- ``paper``: as figure 2 runs it (step size chosen from {0.01, 0.02, 0.1}
  by the bound after 50 minibatches);
- ``lr=<s>``: each step size fixed;
- ``warm-up``: Adagrad first accumulates the squared gradients of 100
  minibatches at the initial weights, then updates (Kingma's later code,
  ``warmup=100``);
- ``binary``: the images binarised once (one Bernoulli draw per pixel);
- ``no-prior``: no weight prior (lam = 0);

and ``--seed`` runs any of them from other initial weights and batch orders.

Every variant runs in a folder of its own under --out, resumable.
"""

import argparse
import dataclasses
import math
import os

import numpy as np

from vae_theano.paper import settings
from vae_theano.paper.figure2 import model_data
from vae_theano.paper.models import choose_step_size, make_method
from vae_theano.paper.published_curves import figure2_curves, value_at
from vae_theano.runs.cli import add_option_flags, cli
from vae_theano.runs.config import load_dataset
from vae_theano.runs.training import train

VARIANTS = ("paper", "lr=0.01", "lr=0.02", "lr=0.1", "warm-up", "binary", "no-prior")
WARM_UP_STEPS = 100


def warm_up(vae, steps, rng):
    """Adagrad's accumulators from ``steps`` minibatches' gradients at the initial weights:
    each step updates them and the weights, then the weights are put back."""
    start = {k: v for k, v in vae.get_state().items() if k.startswith("params/")}
    for batch in rng.permutation(vae.n_batches)[:steps]:
        vae.update(int(batch), 1)
        vae.set_state({**vae.get_state(), **start})


def run_variant(variant, n_z, method, budget, data, out, dtype, seed):
    """Train one variant to ``budget`` samples; returns its history and samples per epoch."""
    hidden = settings.FIGURE2["mnist"]["hidden"]
    x_train, x_test = model_data("mnist", data)
    if variant == "binary":
        x_train, (x_test, _, _) = load_dataset("mnist", data, binarize="static")
    config = lambda lr: settings.paper_config("mnist", x_train, n_latent=n_z, hidden=hidden, method=method,
                                              learning_rate=lr, dtype=dtype, seed=seed)
    if variant.startswith("lr="):
        step_size = float(variant[3:])
    else:
        step_size = choose_step_size(lambda lr: config(lr).build_model(x_train), method)[0]
    cfg = config(step_size)
    if variant == "no-prior":
        cfg = dataclasses.replace(cfg, lam=0.0)
    if variant == "binary":
        cfg = dataclasses.replace(cfg, binarize="static")
    vae = cfg.build_model(x_train)
    folder = os.path.join(out, f"nz{n_z}_{method}_{variant}" + ("" if seed == 42 else f"_seed{seed}"))
    if variant == "warm-up" and not os.path.exists(os.path.join(folder, "checkpoint.npz")):
        warm_up(vae, WARM_UP_STEPS, np.random.default_rng(1))
    epochs = math.ceil(budget / settings.samples_per_epoch(len(x_train)))
    history = train(vae, x_test, epochs, folder, cfg, log=lambda s: None, method=make_method(method, vae),
                    checkpoint_every=settings.CHECKPOINT_EVERY)
    print(f"{variant}: step size {step_size}", flush=True)
    return history, settings.samples_per_epoch(len(x_train))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--n-z", type=int, default=5, help="latent dimensions (figure 2's MNIST: 3, 5, 10, 20, 200)")
    p.add_argument("--method", default="aevb", choices=settings.FIGURE2_METHODS, help="training method")
    p.add_argument("--budget", type=float, default=1e6, help="training samples per variant")
    p.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}")
    p.add_argument("--data", default=None, help="MNIST file or folder (default: as the loaders search)")
    p.add_argument("--out", default="runs/mnist_gap", help="folder for the variants' runs")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="precision")
    add_option_flags(p, ("seed",))
    args = p.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",")]
    bad = [v for v in variants if v not in VARIANTS]
    if bad:
        raise ValueError(f"--variants: unknown {', '.join(bad)}; choose from {', '.join(VARIANTS)}")
    paper = figure2_curves().get(("mnist", args.n_z, args.method))
    points = [p for p in (1e5, 3e5, 1e6, 3e6, 1e7) if p < args.budget] + [args.budget]
    print("variant | " + " | ".join(f"{p:.0e} train / test" for p in points))
    for variant in variants:
        history, per_epoch = run_variant(variant, args.n_z, args.method, args.budget, args.data, args.out,
                                         args.dtype, args.seed)
        cells = []
        for p in points:
            h = history[max(0, math.ceil(p / per_epoch) - 1)]
            cells.append(f"{h['train_bound']:.1f} / {h['valid_bound']:.1f}")
        print(f"{variant} | " + " | ".join(cells), flush=True)
    if paper:
        show = lambda v: "-" if math.isnan(v) else f"{v:.1f}"
        cells = [" / ".join(show(value_at(*paper[part], p)) for part in ("train", "test")) for p in points]
        print("the paper | " + " | ".join(cells))
        samples, bounds = paper["train"]
        print(f"(the paper's training curve enters its axes, at -150, at {samples[0]:.3g} samples: {bounds[0]:.1f})")


if __name__ == "__main__":
    cli(main)
