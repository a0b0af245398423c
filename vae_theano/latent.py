"""Walks through a trained model's latent space: the line between two points, one
dimension swept at a time, and a 2-D view of many points.

Each function takes the model (anything with ``n_latent`` and ``decode``) and
returns arrays; ``plots`` draws them (``plot_interpolation``, ``plot_traversal``,
``plot_latent``). Nothing here trains or samples noise: the same arguments give
the same arrays.
"""

import numpy as np
from scipy.stats import norm

from .validation import as_array, check_positive_int


def prior_quantiles(n):
    """n values z = Phi^-1(q), q evenly spaced in (0, 1) (0.5/n ... 1 - 0.5/n): points of
    one latent dimension that each stand for the same prior mass, as figure 4 of the
    paper spaces its manifold."""
    check_positive_int("n", n)
    return norm.ppf(np.linspace(0.5 / n, 1 - 0.5 / n, n))


def interpolate(vae, z_start, z_end, steps=10):
    """Decoder means along the straight line from ``z_start`` to ``z_end``: (steps, D).

    z_start, z_end: latent points (n_latent values each), for example two rows of
    ``vae.encode_mean(x)[0]``; the line's ``steps`` points include both ends,
    z_i = (1 - t_i) z_start + t_i z_end, t_i = i / (steps - 1).
    """
    if check_positive_int("steps", steps) < 2:
        raise ValueError(f"steps must be at least 2 (both ends of the line), got {steps}")
    start, end = latent_point(z_start, vae.n_latent, "z_start"), latent_point(z_end, vae.n_latent, "z_end")
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return vae.decode((1 - t) * start + t * end)


def latent_point(z, n_latent, what="z"):
    """One latent point, n_latent finite numbers (a vector, or one row), as a float64 vector."""
    z = as_array(z, what)
    if z.shape not in ((n_latent,), (1, n_latent)) or not np.issubdtype(z.dtype, np.number) \
            or not np.all(np.isfinite(z)):
        raise ValueError(f"{what} must be one latent point, {n_latent} finite numbers, "
                         f"got {z.dtype} values of shape {z.shape}")
    return z.reshape(n_latent).astype(np.float64)


def traverse(vae, z=None, dims=None, values=None):
    """One latent dimension swept at a time, the others held at ``z``: (len(dims), len(values), D).

    Row i decodes z with dimension dims[i] set to each of ``values`` in turn.
    z: the held point (n_latent values; default the prior's mean, 0). dims: the
    dimensions to sweep (default all). values: default ``prior_quantiles(9)``,
    from -1.59 to 1.59: nine points, each the centre of a ninth of the prior's mass.
    """
    z = np.zeros(vae.n_latent) if z is None else latent_point(z, vae.n_latent)
    dims = list(range(vae.n_latent)) if dims is None else np.ravel(as_array(dims, "dims")).tolist()
    bad = [d for d in dims if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d < vae.n_latent]
    if bad or not dims:
        raise ValueError(f"dims must be latent dimensions in [0, {vae.n_latent}), got {bad or 'none'}")
    values = prior_quantiles(9) if values is None else np.ravel(as_array(values, "values"))
    if values.size == 0 or not np.issubdtype(values.dtype, np.number) or not np.all(np.isfinite(values)):
        raise ValueError(f"values must be finite numbers, got {values!r}")
    points = np.tile(z, (len(dims), len(values), 1))
    for i, d in enumerate(dims):
        points[i, :, d] = values
    return vae.decode(points.reshape(-1, vae.n_latent)).reshape(len(dims), len(values), -1)


def principal_axes(mu):
    """The principal directions of latent points mu (n, n_latent), n >= 2: (mean
    (n_latent,), directions (m, n_latent), scales (m,)), m = min(n, n_latent).

    directions' rows are the right singular vectors of mu - mean, largest variance
    first, each signed so that its largest component is positive; scales are the
    points' standard deviations along them. The rows are orthonormal, so for
    n >= n_latent they are a basis: z = mean + c @ directions for coefficients c,
    and c = (z - mean) @ directions.T.
    """
    mu = np.asarray(mu, dtype=np.float64)
    if mu.ndim != 2 or len(mu) < 2 or mu.shape[1] < 2 or not np.all(np.isfinite(mu)):
        raise ValueError(f"mu must be finite latent points (n >= 2, n_latent >= 2), got shape {mu.shape}")
    mean = mu.mean(axis=0)
    _, singular, directions = np.linalg.svd(mu - mean, full_matrices=False)
    directions = directions * np.sign(directions[np.arange(len(directions)),
                                                 np.abs(directions).argmax(axis=1)])[:, None]
    return mean, directions, singular / np.sqrt(len(mu))


def latent_plane(mu):
    """2-D coordinates of latent points mu (n, n_latent) -> (coordinates (n, 2), axis names).

    For n_latent = 2 the points themselves. Otherwise their projections on the two
    principal directions of the centred points (``principal_axes``); the names give
    each direction's share of the variance.
    """
    mu = np.asarray(mu, dtype=np.float64)
    if mu.ndim != 2 or len(mu) < 2 or mu.shape[1] < 2 or not np.all(np.isfinite(mu)):
        raise ValueError(f"mu must be finite latent points (n >= 2, n_latent >= 2), got shape {mu.shape}")
    if mu.shape[1] == 2:
        return mu, ("$z_1$", "$z_2$")
    mean, directions, scales = principal_axes(mu)
    share = scales[:2] ** 2 / np.sum(scales ** 2)
    return (mu - mean) @ directions[:2].T, tuple(f"principal direction {i + 1} ({100 * s:.0f}% of the variance)"
                                                 for i, s in enumerate(share))
