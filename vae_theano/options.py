"""The model's options beyond its sizes, each declared once: here, with its type, its check and
its help.

``VAE``'s signature gives each option its default (the original's where the original
has it); this table gives what the rest of the package derives: ``VAE`` checks its
arguments with ``check_options``, ``runs.config.RunConfig`` has one field per option,
``runs.config.RunConfig.build_model`` passes them all on, and ``runs.cli`` makes one
command-line flag per option, with this help. A new option is one keyword of ``VAE``
and one line here.
"""

from collections import namedtuple

import numpy as np

Option = namedtuple("Option", "kind help choices check", defaults=(None, None))
Option.__doc__ = """One option: ``kind`` (int, float, str or bool), ``help`` (one line, for --help),
``choices`` (the values allowed, or None), ``check`` (a predicate on the value, or None, with
the message ``check.__doc__`` completes: "<name> must be <doc>, got <value>")."""


def _positive(value):
    """a positive integer"""
    return value >= 1


def _unit_interval(value):
    """in [0, 1)"""
    return 0 <= value < 1


def _positive_finite(value):
    """positive and finite"""
    return value > 0 and np.isfinite(value)


def _non_negative_finite(value):
    """non-negative and finite"""
    return value >= 0 and np.isfinite(value)


OPTIONS = {
    "b1": Option(float, "Adam's first-moment decay (the original's)", check=_unit_interval),
    "b2": Option(float, "Adam's second-moment decay", check=_unit_interval),
    "batch_size": Option(int, "rows per step", check=_positive),
    "learning_rate": Option(float, "the optimiser's step size (Adam's, or Adagrad's)", check=_positive_finite),
    "lam": Option(float, "L2 (MAP) weight on the W matrices", check=_non_negative_finite),
    "seed": Option(int, "seeds the weights, the noise and the batch order (42: the original's)"),
    "bias_correction": Option(str, "Adam's bias correction by epoch (the original) or by step (Kingma & Ba)",
                              choices=("epoch", "step")),
    "n_samples": Option(int, "noise samples per datapoint in the bound (L)", check=_positive),
    "kl": Option(str, "the bound's -KL(q(z|x) || p(z)): analytic (the original's, the paper's eq. 10) or "
                      "sampled, log p(z) - log q(z|x) at z (the paper's estimator A, eq. 6)",
                 choices=("analytic", "sampled")),
    "activation": Option(str, "hidden units: the original's ReLU, the paper's tanh, or softplus (Kingma's first "
                              "AEVB code, anglepy's DLVM of April 2014)", choices=("relu", "tanh", "softplus")),
    "optimizer": Option(str, "the original's Adam, or the paper's Adagrad", choices=("adam", "adagrad")),
    "bounded_mean": Option(bool, "Gaussian decoder: a sigmoid mean in (0, 1), as the paper's Frey Face model"),
    "init_std": Option(float, "standard deviation of the initial weights (the original's)", check=_positive_finite),
    "zero_log_var": Option(bool, "the encoder's log-variance weights start at zero (Kingma's code, anglepy; "
                                 "the decoder's too, with log_var_layers)"),
    "log_var_factor": Option(float, "the encoder's log-variance is this times W h, plus b (Kingma's wake-sleep "
                                    "recognition model: 0.1; the decoder's too, with log_var_layers)",
                             check=_positive_finite),
    "log_var_layers": Option(str, "where zero_log_var and log_var_factor apply: the encoder, or the Gaussian "
                                  "decoder's log-variance as well (the paper's decoder 'identical to the encoder')",
                             choices=("encoder", "encoder-and-decoder")),
    "pixel_variance": Option(bool, "Gaussian decoder: a learned log-variance per pixel, not a function of z"),
}


def check_option(name, value):
    """``value`` of option ``name`` (a bool as ``bool``), or a ValueError that names the option, what
    it got and what it accepts."""
    option = OPTIONS[name]
    if option.kind is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False, got {value!r}")
        return bool(value)
    if option.choices is not None:
        if value not in option.choices:
            raise ValueError(f"{name} must be {' or '.join(map(repr, option.choices))}, got {value!r}")
        return value
    numeric = (int, np.integer) if option.kind is int else (int, float, np.integer, np.floating)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numeric):
        accepted = "an integer" if option.kind is int else "a real number"
        raise ValueError(f"{name} must be {option.check.__doc__ if option.kind is int and option.check else accepted}"
                         f", got {value!r}")
    if option.check is not None and not option.check(value):
        raise ValueError(f"{name} must be {option.check.__doc__}, got {value!r}")
    return value


def check_options(values):
    """{name: value} of every option, each checked (``check_option``)."""
    return {name: check_option(name, values[name]) for name in OPTIONS}
