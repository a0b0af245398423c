"""Pictures of a model and its training: each function returns a matplotlib ``Figure``.

In a notebook the returned figure shows inline; given ``path``, it is also
written there as a PNG, atomically (a picture is either the old one or the
complete new one). The figures are closed in pyplot before they are returned,
so a notebook shows each once and a long script keeps none open.

Images are rows of D values in [0, 1] (Bernoulli probabilities, or Gaussian
means, clipped); ``image_shape`` (height, width) says how to fold them, and
is found from D for the data sets the project knows (784: MNIST's 28 x 28,
560: Frey Face's 28 x 20).
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from .datasets import IMAGE_SHAPES
from .files.atomic import atomic_write
from .latent import latent_plane, prior_quantiles

DPI = 100  # the PNG files: SIZE is 800 x 800 pixels
SCREEN_DPI = 72  # a figure shown inline (a notebook): smaller, and a lighter notebook
SIZE = (8, 8)  # inches


def new_figure(size=SIZE, rows=1, columns=1):
    """(figure, axes grid): a figure that pyplot does not keep (see the module's docstring)."""
    fig, axes = plt.subplots(rows, columns, figsize=size, dpi=SCREEN_DPI, squeeze=False)
    plt.close(fig)
    return fig, axes


def finish(fig, path):
    """Write ``fig`` to ``path`` as a PNG (atomically) when a path is given; return it."""
    if path is not None:
        with atomic_write(path) as f:
            fig.savefig(f, format="png", dpi=DPI)
    return fig


def image_shape_of(features, image_shape=None):
    """(height, width) of an image of ``features`` values: ``image_shape`` when given,
    else the shape of the known data set with that many values."""
    if image_shape is not None:
        if len(image_shape) != 2 or not all(isinstance(n, (int, np.integer)) and n > 0 for n in image_shape):
            raise ValueError(f"image_shape must be (height, width), two positive whole numbers, got {image_shape!r}")
        if int(np.prod(image_shape)) != features:
            raise ValueError(f"image_shape {tuple(image_shape)} holds {int(np.prod(image_shape))} values, "
                             f"the images have {features}")
        return tuple(image_shape)
    known = {h * w: (h, w) for h, w in IMAGE_SHAPES.values()}
    if features not in known:
        raise ValueError(f"images of {features} values: give image_shape=(height, width)")
    return known[features]


def tile(images, image_shape, columns):
    """Images (n, H*W) -> one (rows*H, columns*W) mosaic, rows filled left to right."""
    n = len(images)
    rows = -(-n // columns)
    h, w = image_shape
    canvas = np.ones((rows * h, columns * w), dtype=np.float64)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        canvas[r * h:(r + 1) * h, c * w:(c + 1) * w] = np.reshape(image, image_shape)
    return canvas


def _show(ax, images, image_shape, columns, title):
    images = np.clip(np.asarray(images, dtype=np.float64), 0, 1)
    ax.imshow(tile(images, image_shape_of(images.shape[-1], image_shape), columns),
              cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")


def plot_history(history, path=None, title="Variational lower bound"):
    """Train and validation bound (nats per datapoint) against epoch: history rows
    {epoch, train_bound, valid_bound}, as ``runs.training.train`` returns them."""
    epochs = [row["epoch"] for row in history]
    fig, ((ax,),) = new_figure()
    ax.plot(epochs, [row["train_bound"] for row in history], "o-", label="train")
    ax.plot(epochs, [row["valid_bound"] for row in history], "s-", label="validation")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("lower bound (nats per datapoint)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return finish(fig, path)


def plot_samples(images, image_shape=None, path=None, title="Decoded samples from the prior"):
    """A square grid of images (n, D)."""
    fig, ((ax,),) = new_figure()
    _show(ax, images, image_shape, int(np.ceil(np.sqrt(len(images)))), title)
    return finish(fig, path)


def plot_reconstructions(x, reconstructed, image_shape=None, path=None, columns=10):
    """Data (odd rows) above their reconstructions (even rows): x and reconstructed (n, D)."""
    pairs = []
    for start in range(0, len(x), columns):
        pairs.extend(x[start:start + columns])
        pairs.extend(reconstructed[start:start + columns])
    fig, ((ax,),) = new_figure()
    _show(ax, pairs, image_shape, columns, "Data (odd rows) and their reconstructions (even rows)")
    return finish(fig, path)


def manifold_grid(n=20):
    """(n * n, 2) points z = Phi^-1(quantiles), rows top to bottom, as figure 4 of Kingma &
    Welling: evenly spaced in the prior's cumulative probability, so that each image of
    the manifold covers equal prior mass (``latent.prior_quantiles``)."""
    quantiles = prior_quantiles(n)
    return np.array([[zx, zy] for zy in quantiles[::-1] for zx in quantiles])


def plot_manifold(decode, image_shape=None, path=None, n=20):
    """The learned 2-D manifold: decode(z) on the n x n ``manifold_grid`` (z_1 left to
    right, z_2 bottom to top); ``decode`` is a 2-D model's ``vae.decode``."""
    fig, ((ax,),) = new_figure()
    _show(ax, decode(manifold_grid(n)), image_shape, n, "Learned 2-D manifold")
    return finish(fig, path)


def plot_interpolation(images, image_shape=None, path=None, title="Interpolation in the latent space"):
    """One row per line through the latent space: images (steps, D) from
    ``latent.interpolate``, or (lines, steps, D) for several lines."""
    images = np.asarray(images)
    if images.ndim not in (2, 3):
        raise ValueError(f"images must be (steps, D) or (lines, steps, D), got shape {images.shape}")
    rows = images.reshape(-1, images.shape[-1]) if images.ndim == 3 else images
    steps = images.shape[-2]
    lines = len(rows) // steps
    fig, ((ax,),) = new_figure((min(1.0 * steps, 16), 1.0 * lines + 0.5))
    _show(ax, rows, image_shape, steps, title)
    return finish(fig, path)


def plot_traversal(images, image_shape=None, path=None, *, values=None, dims=None):
    """``latent.traverse``'s images (len(dims), len(values), D): one row per latent
    dimension, swept left to right through ``values`` (labelled below when given), the
    rows labelled by ``dims`` (default 0, 1, ...)."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must be (dims, values, D), as latent.traverse gives, got shape {images.shape}")
    n_dims, n_values, features = images.shape
    dims = list(range(n_dims)) if dims is None else list(dims)
    if len(dims) != n_dims or (values is not None and len(values) != n_values):
        raise ValueError(f"the images sweep {n_dims} dimensions through {n_values} values; got "
                         f"{len(dims)} dims and {'no' if values is None else len(values)} values")
    fig, ((ax,),) = new_figure((min(0.8 * n_values, 16) + 0.8, 0.8 * n_dims + 0.8))
    shape = image_shape_of(features, image_shape)
    _show(ax, images.reshape(-1, features), shape, n_values, "Each row sweeps one latent dimension, the others held")
    ax.axis("on")  # for the labels of the rows and columns
    ax.set_yticks([(i + 0.5) * shape[0] for i in range(n_dims)], [f"$z_{{{d + 1}}}$" for d in dims])
    if values is not None:
        ax.set_xticks([(j + 0.5) * shape[1] for j in range(n_values)], [f"{v:.2g}" for v in values])
    else:
        ax.set_xticks([])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return finish(fig, path)


def plot_latent(mu, labels=None, path=None, title="Posterior means"):
    """Latent points mu (n, n_latent), for example ``vae.encode_mean(x)[0]``, coloured by
    label (e.g. digit): the points themselves for n_latent = 2, else their projection on
    the two principal directions (``latent.latent_plane``)."""
    mu = np.asarray(mu)
    coordinates, (x_name, y_name) = latent_plane(mu)
    fig, ((ax,),) = new_figure()
    points = ax.scatter(coordinates[:, 0], coordinates[:, 1], c=labels, cmap="tab10" if labels is not None else None,
                        s=3, alpha=0.7)
    if labels is not None:
        fig.colorbar(points, ax=ax, label="label")
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_name)
    ax.set_title(title if mu.shape[1] == 2 else f"{title}, $N_z$ = {mu.shape[1]}, on their principal plane")
    return finish(fig, path)


def plot_image_panels(panels, path=None, panel_size=4.0):
    """Side by side, one panel per ``(title, images (n, D), image_shape, columns)``."""
    fig, axes = new_figure((panel_size * len(panels), panel_size + 0.4), 1, len(panels))
    for ax, (title, images, image_shape, columns) in zip(axes[0], panels):
        _show(ax, images, image_shape, columns, title)
    fig.tight_layout()
    return finish(fig, path)


METHOD_STYLES = {"aevb": ("AEVB", "tab:red"), "wake-sleep": ("Wake-Sleep", "tab:blue"),
                 "mcem": ("MCEM", "tab:green")}


def plot_paper_panels(panels, path=None, ylabel=None, panel_size=(3.3, 3.2)):
    """The paper's figures 2 and 3: a grid of panels, each ``(title, curves)``, ``(title,
    curves, published)`` or None (left blank), curves {method: (samples, train values,
    test values)}; log x axis from 10^5 to 10^8 samples, train solid and test dashed, one
    colour per method. ``published`` {method: {"train": (samples, values), "test": ...}}:
    the paper's own curves, drawn wide and faint behind ours in the same colours."""
    rows, columns = len(panels), max(len(row) for row in panels)
    fig, axes = new_figure((panel_size[0] * columns, panel_size[1] * rows), rows, columns)
    for i, row in enumerate(panels):
        for j in range(columns):
            ax = axes[i][j]
            if j >= len(row) or row[j] is None:
                ax.axis("off")
                continue
            title, curves, published = (*row[j], {})[:3]
            for method, parts in published.items():
                _, colour = METHOD_STYLES[method]
                for part, style in (("train", "-"), ("test", "--")):
                    if part in parts:
                        ax.semilogx(*parts[part], style, color=colour, linewidth=3, alpha=0.25, zorder=1)
            for method, (samples, train, test) in curves.items():
                name, colour = METHOD_STYLES[method]
                ax.semilogx(samples, train, "o-", color=colour, markersize=3, label=f"{name} (train)")
                ax.semilogx(samples, test, "s--", color=colour, markersize=3, label=f"{name} (test)")
            ax.set_xlim(1e5, 1e8)
            ax.set_title(title)
            ax.set_xlabel("# training samples evaluated")
            if j == 0 and ylabel:
                ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3)
            if curves:
                ax.legend(fontsize=7, title="faint: the paper's" if published else None, title_fontsize=7)
    fig.tight_layout()
    return finish(fig, path)
