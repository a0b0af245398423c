"""Figure 2's models with one thing changed each: what explains the differences from the paper's curves.

    python examples/paper_differences.py --list
    python examples/paper_differences.py --experiments frey2-kingma-loop,mnist5-kingma-loop --workers 2
    python examples/paper_differences.py --experiments all --workers 2 --out runs/differences
    python examples/paper_differences.py --table --update REPRODUCTION.md   # from examples/results

Each experiment (vae_theano/paper/differences.py) is one of figure 2's models
in the paper's settings, in the original Theano code's training loop, with
one change: Kingma's training loop of the paper's time (dpkingma/anglepy:
rows drawn with replacement, a 100-minibatch Adagrad warm-up; the paper's
settings since), the encoder's log-variance weights started at zero as
there, a fixed step size, another seed, wider initial weights, wake-sleep's
dream after its wake update. Each trains
in a folder of its own under --out, resumable; --out/differences.csv gets
the rows of the experiments run (kept beside those of earlier runs).
--table prints (or --update writes into a Markdown file's <!-- differences:
begin --> ... end --> block) each experiment against figure 2's own model of
its panel in that loop, from --results' differences.csv and
figure2_original_loop.csv.
"""

import argparse
import os

from vae_theano.files.atomic import read_csv
from vae_theano.files.markdown import replace_blocks
from vae_theano.paper.differences import BASELINE_FILE, CSV_FILE, EXPERIMENTS, run_experiments, table
from vae_theano.runs.cli import add_sweep_flags, cli, parse_list


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--experiments", default="all", help="comma-separated names (see --list), or all")
    p.add_argument("--budget", type=float, default=None,
                   help="training samples for every experiment (default: each its own, see --list)")
    p.add_argument("--list", action="store_true", help="list the experiments and stop")
    p.add_argument("--table", action="store_true",
                   help=f"train nothing: tabulate --results' {CSV_FILE} against its {BASELINE_FILE}")
    p.add_argument("--results", default="examples/results", help=f"folder of {CSV_FILE} and {BASELINE_FILE}")
    p.add_argument("--update", default=None, help="with --table: the Markdown file whose block it rewrites")
    p.add_argument("--at", default="1e6,3e6,1e7", help="with --table: comma-separated sample counts")
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
    if args.table:
        rows, baseline = (read_csv(os.path.join(args.results, name)) for name in (CSV_FILE, BASELINE_FILE))
        try:
            points = [float(x) for x in args.at.split(",")]
        except ValueError:
            raise ValueError(f"--at must be numbers, got {args.at!r}") from None
        text = table(rows, baseline, points)
        if args.update:
            replace_blocks(args.update, {"differences": text})
            print(f"wrote the table into {args.update}")
        else:
            print(text)
        return text
    names = list(EXPERIMENTS) if args.experiments == "all" else parse_list(args.experiments, EXPERIMENTS,
                                                                           "--experiments")
    rows = run_experiments(args.out, names, data=args.data, budget=args.budget, rows_per_decade=args.rows_per_decade,
                           workers=args.workers, scheduler=args.scheduler, log=lambda line: print(line, flush=True))
    print(f"wrote {args.out}/differences.csv")
    return rows


if __name__ == "__main__":
    cli(main)
