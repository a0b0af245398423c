"""The paper's settings, in one place: section 5 and appendices C-E of Kingma & Welling (2013).

Every model of the figures is a VAE with tanh hidden units, minibatches of
M = 100, L = 1, weights from N(0, 0.01^2) (the original code's
initialisation), Adagrad whose global step size is chosen from {0.01, 0.02,
0.1} by the training bound after the first iterations
(``models.choose_step_size``), and a weight decay from a N(0, I) prior on the
weights: lam = 1, i.e. (1/N) log N(W; 0, I) added to each datapoint's bound,
its gradient scaled by Adagrad like the rest (``VAE.get_adagrad_updates``).
AEVB and wake-sleep train in Kingma's loop of the paper's time (``LOOP``,
``dpkingma/anglepy``'s ``step_vae`` and ``step_wakesleep``): every minibatch
drawn at random from the whole set, with replacement (the paper's Algorithm 1
draws "a random minibatch"), after 100 minibatches whose squared gradients
only fill Adagrad's sums; MCEM keeps a chain per training row, so it walks
the epochs, as the original Theano code's loop.
Frey Face's Gaussian decoder has a sigmoid mean (``paper_config``), and its
held-out faces are a random 365 of the 1,965 (``FREY_SPLIT``): the paper does
not say which it held out, but its held-out curves sit where a random subset
puts them (a diagonal Gaussian fitted to the pixels scores 577 on the training
faces and 574 +- 9 on random 365-face sets, the paper's wake-sleep plateau is
578 / 569; on the video's last 465 frames, the original code's split, it
scores 554), and Kingma's later code shuffles the faces and keeps 365 out.
"""

from types import MappingProxyType

from ..datasets import IMAGE_SHAPES  # noqa: F401 (the data sets of the figures)
from ..runs.config import RunConfig

METHODS = ("aevb", "wake-sleep", "mcem")  # AEVB, and the baselines on the same encoder/decoder
STEP_SIZES = (0.01, 0.02, 0.1)
BATCH_SIZE = 100
LAM = 1.0  # the N(0, I) prior on the weights
# The training loop (RunConfig's sampling and warm_up): Kingma's, anglepy's np.random.randint rows and
# warmup=100; the original Theano code's, RunConfig's defaults (the figures' models before 2026-12-07).
LOOP = MappingProxyType(dict(sampling="with-replacement", warm_up=100))
LOOP_METHODS = ("aevb", "wake-sleep")  # those that train in LOOP; MCEM keeps a chain per row: it walks epochs
ORIGINAL_LOOP = MappingProxyType(dict(sampling="epochs", warm_up=0))
CHECKPOINT_EVERY = 30.0  # seconds; the 1,000-image set's epochs are 10 steps

FREY_SPLIT = dict(seed=0, held_out=365)  # faces shuffled with this seed; the last 365 held out
TITLES = {"mnist": "MNIST", "freyface": "Frey Face"}

# Figure 2: the bound, AEVB against wake-sleep, per data set and N_z.
FIGURE2 = {
    "mnist": dict(hidden=500, latents=(3, 5, 10, 20, 200)),
    "freyface": dict(hidden=200, latents=(2, 5, 10, 20)),
}
FIGURE2_METHODS = ("aevb", "wake-sleep")
# Figure 3: log p(x) of MNIST models with 100 hidden units and N_z = 3, on the first
# N training images, estimated on 1,000 training and 1,000 test images.
FIGURE3_HIDDEN, FIGURE3_N_Z, FIGURE3_EVALUATED = 100, 3, 1000
# Figure 5: samples from MNIST models with these N_z.
FIGURE5_LATENTS = (2, 5, 10, 20)


def samples_per_epoch(N):
    """Training samples in one epoch of N rows with the paper's minibatches (the last
    partial batch is never visited, as in the original)."""
    batch_size = min(BATCH_SIZE, N)
    return N // batch_size * batch_size


def paper_config(dataset, x_train, *, n_latent, hidden, method, learning_rate, dtype="float32", seed=42):
    """The ``RunConfig`` of one of the paper's models: tanh, Adagrad with step size
    ``learning_rate``, the weight prior, M = 100 (or N when smaller), a bounded Gaussian
    mean and the paper's split (``FREY_SPLIT``) for Frey Face, trained on x_train (N, D) by
    ``method`` in Kingma's loop (``LOOP``; MCEM in epochs)."""
    continuous = dataset == "freyface"
    split_seed = FREY_SPLIT["seed"] if continuous else None
    loop = LOOP if method in LOOP_METHODS else {}
    return RunConfig(dataset=dataset, continuous=continuous, N=len(x_train), features=x_train.shape[1],
                     hu_encoder=hidden, hu_decoder=hidden, n_latent=n_latent,
                     batch_size=min(BATCH_SIZE, len(x_train)), learning_rate=learning_rate, lam=LAM,
                     dtype=dtype, seed=seed, activation="tanh", optimizer="adagrad",
                     bounded_mean=continuous, method=method, split_seed=split_seed, **loop)
