"""Wall time of the same two figure-2 models in one process and on Dask workers, alternating.

    python benchmarks/bench_sweep.py --data ../shared/data                 # Frey Face N_z = 2, 500 epochs
    python benchmarks/bench_sweep.py --data ../shared/data --rounds 3 --workers 2

The two models are figure 2's Frey Face models with N_z = 2 (AEVB and
wake-sleep, the paper's settings, the step-size choice included), trained
from scratch in fresh folders, once in this process one after the other and
once on a local Dask cluster (``--workers``), alternating for ``--rounds``
rounds. Prints each time, the median ratio, and whether the figure's rows
were equal bit for bit (they must be: every model runs with one BLAS thread
wherever it runs).
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default=None, help="Frey Face file or folder (default: as the loaders search)")
    p.add_argument("--epochs", type=int, default=500, help="epochs per model (1,600 faces each)")
    p.add_argument("--workers", type=int, default=2, help="Dask workers for the parallel runs")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds of both")
    args = p.parse_args(argv)

    from vae_theano.paper.figure2 import make_figure2
    from vae_theano.paper.settings import ORIGINAL_LOOP

    budget = {"freyface": args.epochs * 1600}
    times, rows = {None: [], args.workers: []}, {}
    with tempfile.TemporaryDirectory() as scratch:
        for r in range(args.rounds):
            for workers in (None, args.workers):
                begin = time.perf_counter()
                rows[workers] = make_figure2(os.path.join(scratch, f"{r}_{workers}"), datasets=["freyface"],
                                             methods=["aevb", "wake-sleep"], budgets=budget, latents={2},
                                             data=args.data, workers=workers, log=lambda line: None,
                                             changes=dict(ORIGINAL_LOOP))  # as measured before Kingma's loop
                times[workers].append(time.perf_counter() - begin)
                print(f"round {r + 1}, {'one process' if workers is None else f'{workers} workers'}: "
                      f"{times[workers][-1]:.1f} s", flush=True)
    ratio = np.median(np.divide(times[None], times[args.workers]))
    print(f"one process / {args.workers} workers: {ratio:.2f} (median of paired rounds); "
          f"rows equal: {rows[None] == rows[args.workers]}")


if __name__ == "__main__":
    main()
