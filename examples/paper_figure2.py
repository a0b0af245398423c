"""Figure 2 of Kingma & Welling (2013): the lower bound against training samples, AEVB against wake-sleep.

    python examples/paper_figure2.py --budget 1e7                     # MNIST and Frey Face, both methods
    python examples/paper_figure2.py --datasets mnist --methods aevb --budget 1e6
    python examples/paper_figure2.py --budget mnist=1e7,freyface=5e6  # a budget per data set
    python examples/paper_figure2.py --budget 1e7 --workers 2         # two models at a time (Dask)

The paper's settings (vae_theano/paper/settings.py): tanh units, 500 hidden
units for MNIST and 200 for Frey Face, M = 100, Adagrad with the step size
chosen from {0.01, 0.02, 0.1}, N(0, I) weight prior; MNIST with N_z in
{3, 5, 10, 20, 200}, Frey Face with N_z in {2, 5, 10, 20}. Each model trains
in a folder of its own under --out; running again with a bigger --budget
continues every model. The models train in Kingma's loop of the paper's time
(dpkingma/anglepy: --sampling with-replacement --warm-up 100, every
minibatch drawn at random, as the paper's Algorithm 1); --sampling epochs
--warm-up 0 is the original Theano code's loop, which the figure's models of
before 2026-12-07 trained in (a folder of those continues only with it).
Writes figure2.csv (dataset, n_z, method, samples, train_bound, test_bound,
and each model's step_size with the step_scores that chose it, sampling and
warm_up) and figure2.png (one panel per N_z, log x axis, both methods in
each panel).
"""

import argparse

from vae_theano.paper import settings
from vae_theano.paper.figure2 import make_figure2, parse_budget
from vae_theano.runs.cli import add_loop_flags, add_sweep_flags, cli, parse_list


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--budget", default="1e7",
                   help="training samples evaluated per model: a number, or one per data set "
                        "(mnist=1e7,freyface=5e6)")
    p.add_argument("--datasets", default="mnist,freyface", help="comma-separated: mnist, freyface")
    p.add_argument("--methods", default="aevb,wake-sleep", help="comma-separated: aevb, wake-sleep")
    p.add_argument("--rows-per-decade", type=int, default=50,
                   help="epochs kept in figure2.csv per factor of 10 in samples")
    p.add_argument("--latents", default=None, help="comma-separated N_z to run (default: the paper's)")
    p.add_argument("--data", default=None, help="data file or folder (default: as the loaders search)")
    p.add_argument("--out", default="runs/figure2", help="folder for the runs, figure2.csv and figure2.png")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="precision")
    p.add_argument("--mode", default=None, help="PyTensor backend (default C; JAX is faster on CPU)")
    add_loop_flags(p, settings.LOOP)
    add_sweep_flags(p)
    args = p.parse_args(argv)
    datasets = parse_list(args.datasets, settings.FIGURE2, "--datasets")
    methods = parse_list(args.methods, settings.FIGURE2_METHODS, "--methods")
    budgets = parse_budget(args.budget, datasets)
    latents = None if args.latents is None else {int(n) for n in args.latents.split(",")}
    rows = make_figure2(args.out, datasets=datasets, methods=methods, budgets=budgets, latents=latents,
                        data=args.data, dtype=args.dtype, mode=args.mode, rows_per_decade=args.rows_per_decade,
                        changes=dict(sampling=args.sampling, warm_up=args.warm_up),
                        log=lambda line: print(line, flush=True), workers=args.workers, scheduler=args.scheduler)
    print(f"wrote {args.out}/figure2.csv and figure2.png")
    return rows


if __name__ == "__main__":
    cli(main)
