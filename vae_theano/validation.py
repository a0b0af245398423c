"""Checks of what users hand to the model: each raises an error that names the argument,
what it got and what it accepts, before anything changes."""

import warnings

import numpy as np


def check_positive_int(name, value, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (0 if allow_zero else 1):
        raise ValueError(f"{name} must be a {'non-negative' if allow_zero else 'positive'} integer, got {value!r}")
    return int(value)


def check_dtype(dtype):
    """'float32' or 'float64' from anything NumPy reads as one of them."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in ("float32", "float64"):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return name


def check_epoch(epoch):
    """A positive, finite number: Adam's bias correction divides by 1 - b1**epoch."""
    if isinstance(epoch, bool) or not isinstance(epoch, (int, float, np.integer, np.floating)) \
            or not (np.isfinite(epoch) and epoch > 0):
        raise ValueError(f"epoch must be positive and finite (Adam's bias correction divides "
                         f"by 1 - b1**epoch), got {epoch!r}")
    return epoch


def check_batch(batch, n_batches):
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or not 0 <= batch < n_batches:
        raise ValueError(f"batch must be an integer in [0, {n_batches}), got {batch!r}")
    return int(batch)


def as_array(x, what):
    """np.asarray(x), with a clear message for ragged or otherwise unreadable input."""
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{what} could not be read as an array of numbers: rows of "
                         f"different lengths, or mixed types ({e})") from None


def check_data(x, what, continuous):
    """x as a finite 2-D float array (and in [0, 1] for a Bernoulli model), or ValueError."""
    x = as_array(x, what)
    if x.ndim != 2:
        raise ValueError(f"{what} must be 2-D (rows, features), got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{what} is empty (shape {x.shape})")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool) or np.iscomplexobj(x):
        raise ValueError(f"{what} must hold real numbers, got dtype {x.dtype}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{what} holds NaN or inf values")
    if not continuous and (x.min() < 0 or x.max() > 1):
        raise ValueError(f"{what} must lie in [0, 1] for the Bernoulli decoder "
                         f"(continuous=False); got values in [{x.min()}, {x.max()}]")
    return x


def check_batches(batches, n_batches):
    """A non-empty 1-D integer array of batch indices in [0, n_batches)."""
    array = as_array(batches, "batches")
    if array.ndim != 1 or array.size == 0 or array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"batches must be a non-empty 1-D array of integers (batch indices), "
                         f"got {_describe(batches)}")
    if array.min() < 0 or array.max() >= n_batches:
        raise ValueError(f"batches must lie in [0, {n_batches}), got values from {array.min()} to {array.max()}")
    return array.astype(np.int64)


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def check_decoder_options(continuous, bounded_mean, pixel_variance, log_var_layers):
    """A ValueError naming the first option of the Gaussian decoder alone that a Bernoulli model
    (continuous False) was given, or log_var_layers="encoder-and-decoder" with pixel_variance,
    whose decoder has no W_hxsigma for it to scale."""
    scales_decoder = log_var_layers == "encoder-and-decoder"
    asked = {"bounded_mean": bounded_mean, "pixel_variance": pixel_variance,
             "log_var_layers='encoder-and-decoder'": scales_decoder}
    for name, on in asked.items():
        if on and not continuous:
            raise ValueError(f"{name} applies to the Gaussian decoder (continuous=True) only")
    if scales_decoder and pixel_variance:
        raise ValueError("log_var_layers='encoder-and-decoder' scales W_hxsigma, which pixel_variance leaves out")


def check_training_set(x_train, features, continuous, batch_size):
    """(x_train checked, D): the constructor's training rows (``check_data``, at least
    one batch of them; a warning when the last rows make no whole batch), or None with
    ``features`` = D for a model without a training set."""
    if x_train is None:
        if features is None:
            raise ValueError("give x_train, or features (the values per row) to build a model "
                             "without a training set")
        return None, check_positive_int("features", features)
    x_train = check_data(x_train, "x_train", continuous)
    if features is not None and features != x_train.shape[1]:
        raise ValueError(f"features={features!r}, but x_train has {x_train.shape[1]} values per row")
    n = x_train.shape[0]
    if n < batch_size:
        raise ValueError(f"x_train has {n} rows, fewer than batch_size={batch_size}: update() would have no batch")
    if n % batch_size:
        warnings.warn(f"N={n} is not a multiple of batch_size={batch_size}: update() uses {n // batch_size} "
                      f"batches and never visits the last {n % batch_size} rows (as the original did)",
                      stacklevel=3)  # the caller of VAE(...)
    return x_train, x_train.shape[1]


def check_trainable(x_train, what):
    """Training needs the training set: refuse ``what`` on a model built without one."""
    if x_train is None:
        raise ValueError(f"{what}: this model has no training set (it was built with x_train=None, "
                         f"from its parameters alone); build it with x_train to train it")


def check_rows(x, features, continuous, what="x"):
    """Rows for a model of ``features`` values per row: ``check_data``, and the right width;
    ``what`` names them in the message."""
    x = check_data(x, what, continuous)
    if x.shape[1] != features:
        raise ValueError(f"{what} has {x.shape[1]} features per row; this model was built for {features}")
    return x


def check_latent(z, n_latent, what="z"):
    """Latent points z (n, n_latent) of finite numbers; ``what`` names them in the message."""
    z = as_array(z, what)
    if z.ndim != 2 or z.shape[1] != n_latent:
        raise ValueError(f"{what} must have shape (n, n_latent={n_latent}), got {z.shape}")
    if not np.issubdtype(z.dtype, np.number) or not np.all(np.isfinite(z)):
        raise ValueError(f"{what} must be finite numbers (found NaN, inf or non-numeric values)")
    return z
