"""Figures 4 and 5 of Kingma & Welling (2013): learned 2-D manifolds, and samples for several N_z.

    python examples/paper_figures45.py --budget 1e7

Figure 4: the decoder's mean on a 20 x 20 grid of z evenly spaced in the
prior's probability, for the Frey Face and MNIST models with a 2-D latent
space. Figure 5: the decoder's mean for 100 draws z ~ p(z), MNIST models with
N_z = 2, 5, 10 and 20. The models are figure 2's AEVB models (the paper's
settings, vae_theano/paper/settings.py) in the same folders under --out,
trained or continued to --budget samples: after paper_figure2.py only the
MNIST model with N_z = 2, which figure 2 does not have, is new (give the
same --sampling and --warm-up as figure 2's run). Writes
figure4.png and figure5.png into --out.
"""

import argparse

from vae_theano.paper import settings
from vae_theano.paper.figure2 import parse_budget
from vae_theano.paper.figures45 import make_figures45
from vae_theano.runs.cli import add_loop_flags, cli, parse_list


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--budget", default="1e7",
                   help="training samples evaluated per model: a number, or one per data set "
                        "(mnist=1e7,freyface=5e6)")
    p.add_argument("--data", default=None, help="data file or folder (default: as the loaders search)")
    p.add_argument("--out", default="runs/figure2", help="figure 2's folder: the models, figure4.png, figure5.png")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="precision")
    p.add_argument("--mode", default=None, help="PyTensor backend (default C)")
    p.add_argument("--seed", type=int, default=0, help="seeds the draws z ~ p(z) of figure 5")
    p.add_argument("--figures", default="4,5", help="comma-separated: which figures to make (4 needs only the "
                                                    "two N_z = 2 models)")
    add_loop_flags(p, settings.LOOP)
    args = p.parse_args(argv)
    budgets = parse_budget(args.budget, settings.IMAGE_SHAPES)
    figures = [int(f) for f in parse_list(args.figures, ("4", "5"), "--figures")]
    loop = dict(sampling=args.sampling, warm_up=args.warm_up)
    written = make_figures45(args.out, budgets=budgets, data=args.data, dtype=args.dtype, mode=args.mode,
                             seed=args.seed, figures=figures, changes=loop, log=lambda line: print(line, flush=True))
    print(f"wrote {' and '.join(written)}")
    return written


if __name__ == "__main__":
    cli(main)
