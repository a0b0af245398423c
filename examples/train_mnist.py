"""Train the VAE on MNIST, as the original run.py did (784-400-20-400-784, 40 epochs).

    python examples/train_mnist.py                      # the defaults below
    python examples/train_mnist.py --n-latent 2         # adds the 2-D manifold pictures
    python examples/train_mnist.py --data ../shared/data --epochs 3

Run it again to resume from the last checkpoint in --out.
"""

from vae_theano.datasets import load_mnist
from vae_theano.runs.cli import cli, parser, train_and_draw
from vae_theano.runs.folder import exclusive_run_folder


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=40, hidden=400, n_latent=20, batch_size=100,
               learning_rate=0.001, out="runs/mnist")
    p.add_argument("--binarize", choices=["none", "static", "dynamic"], default="none",
                   help="grey levels (the original), one fixed Bernoulli draw, or a fresh draw every epoch")
    args = p.parse_args(argv)
    binarize = None if args.binarize == "none" else args.binarize
    with exclusive_run_folder(args.out):  # one run per folder, checked before the data loads
        (x_train, _), (x_valid, y_valid), _ = load_mnist(args.data, binarize="static" if binarize == "static" else None)
        if binarize == "dynamic":  # train on fresh draws of the grey levels, validate on one fixed draw
            x_valid = load_mnist(args.data, binarize="static")[1][0]
        return train_and_draw(args, x_train, x_valid, continuous=False, image_shape=(28, 28), dataset="mnist",
                              labels_valid=y_valid, binarize=binarize)


if __name__ == "__main__":
    cli(main)
