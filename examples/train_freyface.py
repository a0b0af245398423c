"""Train the VAE with a Gaussian decoder on Frey Face (560-200-2-200-560).

    python examples/train_freyface.py
    python examples/train_freyface.py --data ../shared/data --n-latent 10
    python examples/train_freyface.py --split-seed 0 --held-out 365   # the paper's random held-out faces

Run it again to resume from the last checkpoint in --out.

Defaults: the original's batch of 100 with learning rate 1e-3 makes the
Gaussian decoder's variances jump about (validation bound swinging by 20 nats
from one evaluation to the next). Batches of 20 with learning rate 3e-4 climb
smoothly to about 600-620 nats by epoch 100-150; with 1,500 faces the model
then starts to overfit (the training bound keeps rising, validation falls),
hence 150 epochs.
"""

from vae_theano import datasets
from vae_theano.runs.cli import cli, parser, train_and_draw
from vae_theano.runs.folder import exclusive_run_folder


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=150, hidden=200, n_latent=2, batch_size=20,
               learning_rate=0.0003, out="runs/freyface")
    p.add_argument("--split-seed", type=int, default=None,
                   help="hold out a random --held-out faces, shuffled with this seed (the paper's split; "
                        "paper_figure2.py uses 0 and 365), instead of the video's last frames (the original's)")
    p.add_argument("--held-out", type=int, default=None,
                   help="faces held out for the validation bound (None: the original's 465)")
    args = p.parse_args(argv)
    with exclusive_run_folder(args.out):  # one run per folder, checked before the data loads
        x_train, x_valid = datasets.load_freyface(args.data, seed=args.split_seed, held_out=args.held_out)
        return train_and_draw(args, x_train, x_valid, continuous=True, image_shape=(28, 20), dataset="freyface",
                              split_seed=args.split_seed)


if __name__ == "__main__":
    cli(main)
