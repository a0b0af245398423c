"""Train the VAE with a Gaussian decoder on Frey Face (560-200-2-200-560).

    python examples/train_freyface.py
    python examples/train_freyface.py --data ../shared/data --n-latent 10

Run it again to resume from the last checkpoint in --out.
"""

import sys

from vae_theano.datasets import load_freyface
from vae_theano.experiment import parser, run


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=100, hidden=200, n_latent=2, batch_size=100,
               learning_rate=0.001, out="runs/freyface")
    args = p.parse_args(argv)
    x_train, x_valid = load_freyface(args.data)
    return run(args, x_train, x_valid, continuous=True, image_shape=(28, 20), dataset="freyface")


if __name__ == "__main__":
    main(sys.argv[1:])
