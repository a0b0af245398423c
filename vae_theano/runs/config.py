"""One run's configuration: what it trains on, the model, the optimiser and the training method.

Every run the project makes (``examples/train_*.py``, each model of the
paper's figures) is described by one ``RunConfig``, stored in its checkpoint:
a resume with another configuration is refused (``differences``), and
``examples/evaluate.py`` rebuilds any run's model and held-out data from it
(``build_model``, ``load_data``).

The model's defaults are written once, in the signature of ``VAE`` (the
original's); the fields below take theirs from there.
"""

import dataclasses
import inspect
from collections import namedtuple

from ..datasets import load_freyface, load_mnist
from ..options import OPTIONS
from ..vae import VAE

DATASETS = ("mnist", "freyface")
SAMPLINGS = ("epochs", "shuffled-rows", "with-replacement")  # how the training loop draws its minibatches
HeldOut = namedtuple("HeldOut", "x name labels")
HeldOut.__doc__ = """The rows a run is evaluated on: x (n, D), the set's name ("test", "validation"),
and their labels (n,) where the data set has them (MNIST's digits), else None."""
_VAE_DEFAULTS = {name: p.default for name, p in inspect.signature(VAE).parameters.items()
                 if p.default is not inspect.Parameter.empty}

# One field per model option (``options.OPTIONS``), its default the one in VAE's signature.
ModelOptions = dataclasses.make_dataclass(
    "ModelOptions", [(name, option.kind, dataclasses.field(default=_VAE_DEFAULTS[name]))
                     for name, option in OPTIONS.items()], frozen=True, kw_only=True)
ModelOptions.__doc__ = "The model's options, as VAE's keywords (``options.OPTIONS``)."


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunConfig(ModelOptions):
    """A training run: the data (``dataset``, its first ``N`` training rows of ``features``
    values, ``binarize``, ``split_seed``), the VAE's sizes and options (as its
    constructor's arguments: one field per option of ``options.OPTIONS``, inherited from
    ``ModelOptions``), ``dtype``, and the training ``method`` ("aevb", the model's own
    update, or a baseline of the paper). Built with keywords only.

    binarize: None (grey levels), "static" (one fixed Bernoulli draw) or "dynamic"
    (a fresh draw every epoch, by the training loop). split_seed (Frey Face):
    None, the original code's split (the first faces train, the video's last
    frames are held out), or the seed of a random split whose first N faces
    train (the paper's). seed: the weights, the noise, and the training
    loop's batch order, binarisation, rows and warm-up batches.

    The training loop (``training.train``): sampling "epochs" walks the same minibatches
    (rows k M ... (k + 1) M - 1) every epoch, in a shuffled order (the original's
    ``run.py``); "shuffled-rows" cuts a fresh permutation of the rows into minibatches
    every epoch; "with-replacement" draws each epoch's N rows at random with
    replacement, as Kingma's code of the paper's time did (anglepy's
    ``np.random.randint`` per minibatch). warm_up: minibatches whose gradients only
    fill the optimiser's sums before its first step (anglepy: 100). MCEM, which keeps
    a chain per training row, takes neither. dream_after_wake (wake-sleep only): the
    sleep phase dreams from the generative model after the wake update, as anglepy's
    ``step_wakesleep``, not from the one before the step (``paper.wake_sleep``).
    """

    dataset: str
    continuous: bool
    N: int
    features: int
    hu_encoder: int
    hu_decoder: int
    n_latent: int
    dtype: str = "float32"
    binarize: str | None = None
    split_seed: int | None = None
    method: str = "aevb"
    sampling: str = "epochs"
    warm_up: int = 0
    dream_after_wake: bool = False

    def __post_init__(self):
        if self.sampling not in SAMPLINGS:
            raise ValueError(f"sampling must be {' or '.join(map(repr, SAMPLINGS))}, got {self.sampling!r}")
        if isinstance(self.warm_up, bool) or not isinstance(self.warm_up, int) or self.warm_up < 0:
            raise ValueError(f"warm_up must be a whole number of minibatches >= 0, got {self.warm_up!r}")
        if self.method == "mcem" and (self.sampling != "epochs" or self.warm_up):
            raise ValueError("MCEM keeps a chain per training row: it needs sampling 'epochs' and no warm_up")
        if self.dream_after_wake and self.method != "wake-sleep":
            raise ValueError(f"dream_after_wake is a setting of wake-sleep, not of method {self.method!r}")

    def options(self):
        """{name: value} of the model's options: VAE's keywords."""
        return {name: getattr(self, name) for name in OPTIONS}

    def to_dict(self):
        """The configuration as a JSON-serialisable dict (what a checkpoint stores)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_saved(cls, saved):
        """The configuration a checkpoint stored, from any version of the project.

        Settings added after a checkpoint was written take their defaults (the
        original's). The paper's runners once wrote a schema of their own, without
        the data set: {n_latent, hidden, method, N, ...}; its data set follows from
        the decoder (the paper's Frey Face models alone are Gaussian, with a bounded
        mean), its batch size is the paper's M = 100.
        """
        saved = dict(saved)
        if "dataset" not in saved and "hidden" in saved:
            continuous = bool(saved.get("bounded_mean", False))
            hidden = saved.pop("hidden")
            saved.update(dataset="freyface" if continuous else "mnist", continuous=continuous,
                         features=560 if continuous else 784, hu_encoder=hidden, hu_decoder=hidden,
                         batch_size=min(100, saved["N"]))
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(saved) - names)
        missing = sorted(f.name for f in dataclasses.fields(cls)
                         if f.default is dataclasses.MISSING and f.name not in saved)
        if unknown or missing:
            raise ValueError(f"not a run configuration (unknown settings {unknown}, missing {missing})")
        return cls(**saved)

    def differences(self, other):
        """Human-readable list of the settings in which ``other`` (this run) differs from this one (a checkpoint's)."""
        mine, theirs = self.to_dict(), other.to_dict()
        return [f"{k}: checkpoint has {mine[k]!r}, this run asks for {theirs[k]!r}"
                for k in mine if mine[k] != theirs[k]]

    def build_model(self, x_train, mode=None):
        """The VAE this configuration describes, on the training rows x_train (N, features),
        or with x_train None a model of it without its training set (it cannot train)."""
        if x_train is not None and x_train.shape != (self.N, self.features):
            raise ValueError(f"the run trained on {self.N} rows of {self.features} values of "
                             f"{self.dataset}, the data given has shape {x_train.shape}")
        return VAE(self.continuous, self.hu_encoder, self.hu_decoder, self.n_latent, x_train, mode=mode,
                   dtype=self.dtype, features=self.features, **self.options())

    def load_data(self, data=None):
        """(x_train, HeldOut): the training rows of this run and the rows to evaluate it on
        (``load_dataset``): the first N training rows of its data set."""
        x_train, held_out = load_dataset(self.dataset, data, self.binarize, self.split_seed,
                                         self.N if self.dataset == "freyface" else None)
        return x_train[:self.N], held_out


def load_dataset(dataset, data=None, binarize=None, split_seed=None, n_train=None, held_out=None):
    """(x_train, HeldOut) of a data set: its training rows, and the rows runs are evaluated on.

    MNIST: the 50,000 training images (binarised once with seed 0 for runs on binary
    images, binarize "static" or "dynamic") and the 10,000 test images. Frey Face: the
    training faces and the held-out ones (it has no test set): ``split_seed``, ``n_train`` and
    ``held_out`` as ``load_freyface``'s ``seed``, ``n_train`` and ``held_out``. ``data``: a file or
    folder, as the loaders take it (None: their search).
    """
    if dataset == "mnist":
        binary = "static" if binarize in ("static", "dynamic") else None
        (x_train, _), _, (x_test, y_test) = load_mnist(data, binarize=binary)
        return x_train, HeldOut(x_test, "test", y_test)
    if dataset == "freyface":
        x_train, x_valid = load_freyface(data, seed=split_seed, n_train=n_train, held_out=held_out)
        return x_train, HeldOut(x_valid, "validation", None)
    raise ValueError(f"unknown dataset {dataset!r}; the runs know {', '.join(DATASETS)}")
