"""Figure 3 of Kingma & Welling (2013): estimated log p(x) against training samples, AEVB, wake-sleep, MCEM.

    python examples/paper_figure3.py --budget 1e7
    python examples/paper_figure3.py --train-sizes 1000 --methods aevb,mcem --budget 1e6
    python examples/paper_figure3.py --budget 1e7 --workers 2

MNIST with 100 hidden units and N_z = 3, the paper's settings otherwise
(vae_theano/paper/settings.py), trained on the first 1,000 or all 50,000
training images. At sample counts spaced evenly on a log axis from 10^5 up to
--budget, the marginal likelihood of the first 1,000 training and test images
is estimated as in appendix D (vae_theano.paper.marginal_likelihood: HMC
posterior samples, 50 per image with 4 leapfrog steps, a Gaussian fitted to
them, a harmonic-mean estimate; four chains per image, so that MCEM's
many-moded posteriors are measured by their largest mode, not by the one the
untrained encoder points at). AEVB and wake-sleep train in Kingma's loop of
the paper's time (--sampling with-replacement --warm-up 100; --sampling
epochs --warm-up 0 is the original Theano code's, which the figure's models
of before 2026-12-07 trained in), MCEM in epochs. Each model trains in a
folder of its own under --out; running again with a bigger --budget
continues. Writes figure3.csv (train_size, method, samples, train_loglik,
test_loglik, estimator, step_size, step_scores, sampling, warm_up) and
figure3.png (one panel per training-set size).
"""

import argparse

from vae_theano.paper import settings
from vae_theano.paper.figure3 import make_figure3
from vae_theano.runs.cli import add_loop_flags, add_sweep_flags, cli, parse_list


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
    add_loop_flags(p, settings.LOOP)
    add_sweep_flags(p)
    args = p.parse_args(argv)
    methods = parse_list(args.methods, settings.METHODS, "--methods")
    try:
        sizes = [int(s) for s in args.train_sizes.split(",")]
    except ValueError:
        raise ValueError(f"--train-sizes must be whole numbers, got {args.train_sizes!r}") from None
    rows = make_figure3(args.out, sizes=sizes, methods=methods, budget=args.budget, data=args.data,
                        dtype=args.dtype, mode=args.mode, per_decade=args.points_per_decade, chains=args.chains,
                        prior_starts=args.prior_starts, mcem_max_size=args.mcem_max_size,
                        changes=dict(sampling=args.sampling, warm_up=args.warm_up),
                        log=lambda line: print(line, flush=True), workers=args.workers, scheduler=args.scheduler)
    print(f"wrote {args.out}/figure3.csv and figure3.png")
    return rows


if __name__ == "__main__":
    cli(main)
