"""Walks through the latent space (``latent``) against NumPy, and the pictures (``plots``):
each returns a matplotlib Figure, and writes a PNG only when given a path."""

import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy.stats import norm

from vae_theano import VAE, latent, plots


@pytest.fixture(scope="module")
def vae():
    """A small untrained model without a training set; its decoder is checked in test_vae."""
    return VAE(False, 16, 16, 3, None, features=784, dtype="float64", seed=1)


def test_interpolate_decodes_the_points_of_the_line(vae):
    a, b = np.array([1.0, -2.0, 0.5]), np.array([-1.0, 0.0, 3.0])
    images = latent.interpolate(vae, a, b, steps=5)
    expected = vae.decode(np.array([a + t * (b - a) for t in (0, 0.25, 0.5, 0.75, 1)]))
    np.testing.assert_allclose(images, expected, rtol=1e-12)
    assert images.shape == (5, 784)


def test_traverse_sweeps_one_dimension_and_holds_the_rest(vae):
    z = np.array([0.3, -0.7, 1.1])
    images = latent.traverse(vae, z, dims=[2, 0], values=[-1.0, 2.0])
    assert images.shape == (2, 2, 784)
    np.testing.assert_allclose(images[0, 1], vae.decode([[0.3, -0.7, 2.0]])[0], rtol=1e-12)
    np.testing.assert_allclose(images[1, 0], vae.decode([[-1.0, -0.7, 1.1]])[0], rtol=1e-12)
    default = latent.traverse(vae)  # every dimension, around the prior's mean, at its quantiles
    assert default.shape == (3, 9, 784)
    np.testing.assert_allclose(default[1, 0], vae.decode([[0, norm.ppf(0.5 / 9), 0]])[0], rtol=1e-12)


def test_the_latent_plane_is_the_principal_plane():
    rng = np.random.default_rng(0)
    mu = rng.standard_normal((500, 5)) * [5.0, 0.1, 2.0, 0.1, 0.1] + 3.0
    coordinates, names = latent.latent_plane(mu)
    # Independently: the eigenvectors of the covariance, largest eigenvalues first.
    values, vectors = np.linalg.eigh(np.cov(mu.T))
    top = vectors[:, ::-1][:, :2]
    top *= np.sign(top[np.abs(top).argmax(axis=0), [0, 1]])  # the sign rule: largest component positive
    projected = (mu - mu.mean(axis=0)) @ top
    np.testing.assert_allclose(coordinates, projected, rtol=1e-8, atol=1e-10)
    for name, value in zip(names, values[::-1]):
        assert f"({100 * value / values.sum():.0f}% of the variance)" in name
    two = rng.standard_normal((10, 2))
    assert np.array_equal(latent.latent_plane(two)[0], two)


def test_the_principal_axes_are_a_basis_with_the_points_spread():
    rng = np.random.default_rng(1)
    mu = rng.standard_normal((400, 4)) @ rng.standard_normal((4, 4)) + 2.0
    mean, directions, scales = latent.principal_axes(mu)
    np.testing.assert_allclose(directions @ directions.T, np.eye(4), atol=1e-12)
    coefficients = (mu - mean) @ directions.T
    np.testing.assert_allclose(mean + coefficients @ directions, mu, atol=1e-12)  # z = mean + c directions
    # Independently: the standard deviations along each direction, largest first.
    np.testing.assert_allclose(scales, coefficients.std(axis=0), rtol=1e-12)
    np.testing.assert_allclose(np.sort(scales ** 2)[::-1], np.linalg.eigvalsh(np.cov(mu.T, bias=True))[::-1],
                               rtol=1e-10)
    assert np.all(np.diff(scales) <= 0)
    assert latent.principal_axes(mu[:3])[1].shape == (3, 4)  # fewer points than dimensions: fewer directions


@pytest.mark.parametrize("call, message", [
    (lambda v: latent.interpolate(v, [0, 0], [1, 1, 1]), r"z_start must be one latent point, 3 finite numbers, got "
                                                          r"int64 values of shape \(2,\)"),
    (lambda v: latent.interpolate(v, [0, 0, 0], np.ones((2, 3))), r"z_end must be one latent point.*shape \(2, 3\)"),
    (lambda v: latent.traverse(v, z=[0, np.inf, 0]), "z must be one latent point"),
    (lambda v: latent.traverse(v, dims=[1.7]), r"dims must be latent dimensions in \[0, 3\), got \[1.7\]"),
    (lambda v: latent.interpolate(v, [0, 0, 0], [1, 1, 1], steps=1), "steps must be at least 2"),
    (lambda v: latent.traverse(v, dims=[3]), r"dims must be latent dimensions in \[0, 3\)"),
    (lambda v: latent.traverse(v, values=[np.nan]), "values must be finite numbers"),
    (lambda v: latent.latent_plane(np.ones((5, 1))), "mu must be finite latent points"),
    (lambda v: plots.plot_samples(np.ones((4, 100))), r"images of 100 values: give image_shape"),
    (lambda v: plots.plot_interpolation(np.ones(784)), r"images must be \(steps, D\) or \(lines, steps, D\)"),
    (lambda v: plots.plot_traversal(np.ones((2, 3, 784)), values=[1, 2]), "sweep 2 dimensions through 3 values"),
])
def test_bad_input_gets_one_line_naming_it(vae, call, message):
    with pytest.raises(ValueError, match=message):
        call(vae)


def test_every_picture_comes_back_as_a_figure_and_is_written_only_when_asked(vae, tmp_path):
    images = vae.sample(12, seed=0)
    mu = np.random.default_rng(0).standard_normal((50, 3))
    history = [{"epoch": e, "train_bound": -100.0 / e, "valid_bound": -90.0 / e} for e in (1, 2, 3)]
    two = VAE(False, 8, 8, 2, None, features=784, seed=0)
    figures = {
        "history": lambda path: plots.plot_history(history, path),
        "samples": lambda path: plots.plot_samples(images, path=path),
        "reconstructions": lambda path: plots.plot_reconstructions(images, images[::-1], path=path),
        "manifold": lambda path: plots.plot_manifold(two.decode, path=path, n=4),
        "interpolation": lambda path: plots.plot_interpolation(latent.interpolate(vae, mu[0], mu[1]), path=path),
        "traversal": lambda path: plots.plot_traversal(latent.traverse(vae), path=path, values=latent.prior_quantiles(9)),
        "latent": lambda path: plots.plot_latent(mu, np.arange(50) % 10, path=path),
        "faces": lambda path: plots.plot_samples(np.full((4, 560), 0.5), path=path),
    }
    before = plt.get_fignums()
    for name, draw in figures.items():
        fig = draw(None)
        assert isinstance(fig, matplotlib.figure.Figure), name
        assert fig.axes, name
        path = tmp_path / f"{name}.png"
        assert draw(str(path)) is not None and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    assert plt.get_fignums() == before  # pyplot keeps none of them open
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.png" for n in figures)


def test_the_history_axis_counts_whole_epochs():
    history = [{"epoch": e, "train_bound": -1.0, "valid_bound": -1.0} for e in (1, 2, 3)]
    ax = plots.plot_history(history).axes[0]
    ticks = [t for t in ax.get_xticks() if 1 <= t <= 3]
    assert ticks and all(float(t).is_integer() for t in ticks)


def test_the_latent_scatter_takes_plain_lists():
    ax = plots.plot_latent([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]], labels=[1, 2, 3]).axes[0]
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), [[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]])


def test_the_latent_scatter_names_its_axes_and_colours_by_label():
    mu = np.random.default_rng(1).standard_normal((40, 20))
    ax = plots.plot_latent(mu, np.arange(40) % 10).axes[0]
    assert ax.get_xlabel().startswith("principal direction 1") and "N_z" in ax.get_title()
    np.testing.assert_allclose(ax.collections[0].get_offsets(), latent.latent_plane(mu)[0])
