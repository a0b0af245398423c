"""Evaluate a training run: the held-out lower bound and the importance-sampled log p(x).

    python examples/evaluate.py runs/mnist
    python examples/evaluate.py runs/mnist --k 5000 --data ../shared/data
    python examples/evaluate.py runs/figure2/mnist_nz20_aevb --limit 1000

Any run folder the project makes: train_mnist.py's, train_freyface.py's, and
each model folder of the paper's figures. MNIST runs are evaluated on the
10,000 test images, Frey Face runs on the held-out faces. log p(x) uses k
importance samples per image from q(z|x) (Burda et al. 2015); the standard
error is the Monte Carlo error of the mean.
"""

import argparse
import time

import numpy as np

from vae_theano.evaluate import mean_lower_bound
from vae_theano.runs.checkpoint import load_run
from vae_theano.runs.cli import cli


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("run_dir", help="folder of a training run (holds checkpoint.npz)")
    p.add_argument("--k", type=int, default=5000, help="importance samples per datapoint")
    p.add_argument("--chunk-size", type=int, default=100, help="rows per chunk of the estimate")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N held-out rows")
    p.add_argument("--data", default=None, help="data file or folder (default: as the loaders search)")
    p.add_argument("--seed", type=int, default=0, help="seeds the importance samples")
    args = p.parse_args(argv)

    vae, config, (x, split, _) = load_run(args.run_dir, args.data)
    x = x[:args.limit]
    bound = mean_lower_bound(vae, x)
    print(f"{config.dataset} {split} set, {len(x)} rows: lower bound {bound:.2f} nats per datapoint "
          f"({config.method}, N_z = {config.n_latent})")
    begin = time.perf_counter()
    ll, se = vae.log_likelihood(x, k=args.k, chunk_size=args.chunk_size, seed=args.seed,
                                return_stderr=True)
    seconds = time.perf_counter() - begin
    mean_se = np.sqrt(np.sum(se ** 2)) / len(x)
    print(f"log p(x) ~= {ll.mean():.2f} +- {mean_se:.3f} nats per datapoint "
          f"(k={args.k}, {seconds:.1f} s)")
    return bound, ll.mean(), mean_se


if __name__ == "__main__":
    cli(main)
