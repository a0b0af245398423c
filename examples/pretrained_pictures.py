"""Pictures of the pretrained models, with no data set and no training: samples and manifolds.

    python examples/pretrained_pictures.py                  # into docs/images, as the README shows
    python examples/pretrained_pictures.py --out pictures

Writes samples.png (100 draws from the prior through mnist-nz20's decoder),
manifold.png (mnist-nz2's learned 2-D manifold) and faces.png (freyface-nz2's,
figure 4 of the paper).
"""

import argparse
import os

from vae_theano import plots, pretrained
from vae_theano.runs.cli import cli


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", default=os.path.join("docs", "images"), help="folder for the PNGs")
    p.add_argument("--seed", type=int, default=0, help="seeds the draws from the prior")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    paths = [os.path.join(args.out, name) for name in ("samples.png", "manifold.png", "faces.png")]
    plots.plot_samples(pretrained.load("mnist-nz20").sample(100, seed=args.seed), path=paths[0],
                       title="mnist-nz20: decoded draws from the prior")
    plots.plot_manifold(pretrained.load("mnist-nz2").decode, path=paths[1])
    plots.plot_manifold(pretrained.load("freyface-nz2").decode, path=paths[2], n=12)
    print("wrote " + ", ".join(paths))
    return paths


if __name__ == "__main__":
    cli(main)
