"""Figure 2's models with one thing changed each: what explains the differences from the paper's curves.

    python examples/paper_differences.py --list
    python examples/paper_differences.py --experiments frey2-kingma-loop,mnist5-kingma-loop --workers 2
    python examples/paper_differences.py --experiments all --workers 2 --out runs/differences

Each experiment (vae_theano/paper/differences.py) is one of figure 2's models
in the paper's settings with one change: Kingma's training loop of the
paper's time (dpkingma/anglepy: rows drawn with replacement, a 100-minibatch
Adagrad warm-up), the encoder's log-variance weights started at zero as
there, a fixed step size, another seed, wider initial weights. Each trains
in a folder of its own under --out, resumable; --out/differences.csv gets
the rows of the experiments run (kept beside those of earlier runs).
"""

import argparse

from vae_theano.paper.differences import EXPERIMENTS, run_experiments
from vae_theano.runs.cli import add_sweep_flags, cli, parse_list


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--experiments", default="all", help="comma-separated names (see --list), or all")
    p.add_argument("--budget", type=float, default=None,
                   help="training samples for every experiment (default: each its own, see --list)")
    p.add_argument("--list", action="store_true", help="list the experiments and stop")
    p.add_argument("--data", default=None, help="data file or folder (default: as the loaders search)")
    p.add_argument("--out", default="runs/differences", help="folder for the runs and differences.csv")
    p.add_argument("--rows-per-decade", type=int, default=50,
                   help="epochs kept in differences.csv per factor of 10 in samples")
    add_sweep_flags(p)
    args = p.parse_args(argv)
    if args.list:
        for name, e in EXPERIMENTS.items():
            print(f"{name:24s} {e.dataset} N_z={e.n_z} {e.method}, to {e.budget:.0e} samples: {e.what}")
        return None
    names = list(EXPERIMENTS) if args.experiments == "all" else parse_list(args.experiments, EXPERIMENTS,
                                                                           "--experiments")
    rows = run_experiments(args.out, names, data=args.data, budget=args.budget, rows_per_decade=args.rows_per_decade,
                           workers=args.workers, scheduler=args.scheduler, log=lambda line: print(line, flush=True))
    print(f"wrote {args.out}/differences.csv")
    return rows


if __name__ == "__main__":
    cli(main)
