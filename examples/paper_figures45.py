"""Figures 4 and 5 of Kingma & Welling (2013): learned 2-D manifolds, and samples for several N_z.

    python examples/paper_figures45.py --budget 1e7

Figure 4: the decoder's mean on a 20 x 20 grid of z evenly spaced in the
prior's probability, for the Frey Face and MNIST models with a 2-D latent
space. Figure 5: the decoder's mean for 100 draws z ~ p(z), MNIST models with
N_z = 2, 5, 10 and 20. The models are figure 2's AEVB models (the paper's
settings, vae_theano/paper.py) in the same folders under --out, trained or
continued to --budget samples: after paper_figure2.py only the MNIST model
with N_z = 2, which figure 2 does not have, is new. Writes figure4.png and
figure5.png into --out.
"""

import argparse
import os

import numpy as np

from vae_theano.experiment import cli
from vae_theano.paper import run
from vae_theano.plots import manifold_grid, plot_image_panels
from vae_theano.run_folder import exclusive_run_folder

import paper_figure2

SHAPES = {"mnist": (28, 28), "frey": (28, 20)}
SAMPLED_LATENTS = (2, 5, 10, 20)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--budget", default="1e7",
                   help="training samples evaluated per model: a number, or one per data set (mnist=1e7,frey=5e6)")
    p.add_argument("--data", default=None, help="data file or folder (default: as the loaders search)")
    p.add_argument("--out", default="runs/figure2", help="figure 2's folder: the models, figure4.png, figure5.png")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="precision")
    p.add_argument("--mode", default=None, help="PyTensor backend (default C)")
    p.add_argument("--seed", type=int, default=0, help="seeds the draws z ~ p(z) of figure 5")
    args = p.parse_args(argv)
    budgets = paper_figure2.parse_budget(args.budget, SHAPES)

    def model(name, n_z):
        print(f"{name}, N_z = {n_z}, aevb: up to {budgets[name]:.3g} samples", flush=True)
        folder = os.path.join(args.out, f"{name}_nz{n_z}_aevb")
        return run(folder, data[name], n_z, paper_figure2.SETUPS[name]["hidden"], "aevb", budgets[name],
                   args.dtype, print, mode=args.mode)[0]

    with exclusive_run_folder(args.out):  # one run per folder, checked before the data loads
        data = {name: paper_figure2.load(name, args.data) for name in SHAPES}
        z = manifold_grid(20)
        manifolds = [(f"{paper_figure2.SETUPS[name]['title']}, learned 2-D manifold",
                      model(name, 2).decode(z), SHAPES[name], 20) for name in ("frey", "mnist")]
        figure4 = plot_image_panels(manifolds, os.path.join(args.out, "figure4.png"), panel_size=6.0)
        rng = np.random.default_rng(args.seed)
        samples = [(f"MNIST, $N_z$ = {n_z}", model("mnist", n_z).decode(rng.standard_normal((100, n_z))),
                    SHAPES["mnist"], 10) for n_z in SAMPLED_LATENTS]
        figure5 = plot_image_panels(samples, os.path.join(args.out, "figure5.png"))
    print(f"wrote {figure4} and {figure5}")
    return figure4, figure5


if __name__ == "__main__":
    cli(main)
