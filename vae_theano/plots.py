"""Pictures of a training run, saved as PNG files (matplotlib, no display needed).

Every figure has a fixed size in pixels (``SIZE`` inches at ``DPI``) and is
written atomically, so a picture is either the old one or the complete new one.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import norm  # noqa: E402

from .files.atomic import atomic_write  # noqa: E402

DPI = 100
SIZE = (8, 8)  # inches: 800 x 800 pixels


def _save(fig, path):
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=DPI)
    plt.close(fig)
    return path


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


def _show(ax, canvas, title):
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")


def plot_history(history, path, title="Variational lower bound"):
    """Train and validation bound (nats per datapoint) against epoch."""
    epochs = [row["epoch"] for row in history]
    fig, ax = plt.subplots(figsize=SIZE)
    ax.plot(epochs, [row["train_bound"] for row in history], "o-", label="train")
    ax.plot(epochs, [row["valid_bound"] for row in history], "s-", label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("lower bound (nats per datapoint)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def plot_samples(images, image_shape, path, title="Decoded samples from the prior"):
    """A square grid of images (n, H*W) with values in [0, 1]."""
    columns = int(np.ceil(np.sqrt(len(images))))
    fig, ax = plt.subplots(figsize=SIZE)
    _show(ax, tile(np.clip(images, 0, 1), image_shape, columns), title)
    return _save(fig, path)


def plot_reconstructions(x, reconstructed, image_shape, path, columns=10):
    """Data (odd rows) above their reconstructions (even rows)."""
    pairs = []
    for start in range(0, len(x), columns):
        pairs.extend(x[start:start + columns])
        pairs.extend(reconstructed[start:start + columns])
    fig, ax = plt.subplots(figsize=SIZE)
    _show(ax, tile(np.clip(pairs, 0, 1), image_shape, columns),
          "Data (odd rows) and their reconstructions (even rows)")
    return _save(fig, path)


def manifold_grid(n=20):
    """(n * n, 2) points z = Phi^-1(quantiles), rows top to bottom, as figure 4 of Kingma &
    Welling: evenly spaced in the prior's cumulative probability, so that each image of
    the manifold covers equal prior mass."""
    quantiles = norm.ppf(np.linspace(0.5 / n, 1 - 0.5 / n, n))
    return np.array([[zx, zy] for zy in quantiles[::-1] for zx in quantiles])


def plot_manifold(decode, image_shape, path, n=20):
    """The learned 2-D manifold: decode(z) on the n x n ``manifold_grid``."""
    fig, ax = plt.subplots(figsize=SIZE)
    _show(ax, tile(np.clip(decode(manifold_grid(n)), 0, 1), image_shape, n), "Learned 2-D manifold")
    return _save(fig, path)


def plot_image_panels(panels, path, panel_size=4.0):
    """Side by side, one panel per ``(title, images (n, H*W) in [0, 1], image_shape, columns)``."""
    fig, axes = plt.subplots(1, len(panels), figsize=(panel_size * len(panels), panel_size + 0.4), squeeze=False)
    for ax, (title, images, image_shape, columns) in zip(axes[0], panels):
        _show(ax, tile(np.clip(images, 0, 1), image_shape, columns), title)
    fig.tight_layout()
    return _save(fig, path)


def plot_latent_means(mu, labels, path):
    """Posterior means mu (n, 2) as points, coloured by label (e.g. digit)."""
    fig, ax = plt.subplots(figsize=SIZE)
    points = ax.scatter(mu[:, 0], mu[:, 1], c=labels, cmap="tab10", s=3, alpha=0.7)
    fig.colorbar(points, ax=ax, label="label")
    ax.set_xlabel("$\\mu_1$")
    ax.set_ylabel("$\\mu_2$")
    ax.set_title("Latent means of the validation set")
    return _save(fig, path)


METHOD_STYLES = {"aevb": ("AEVB", "tab:red"), "wake-sleep": ("Wake-Sleep", "tab:blue"),
                 "mcem": ("MCEM", "tab:green")}


def plot_paper_panels(panels, path, ylabel, panel_size=(3.3, 3.2)):
    """The paper's figures 2 and 3: a grid of panels, each ``(title, curves)``, ``(title,
    curves, published)`` or None (left blank), curves {method: (samples, train values,
    test values)}; log x axis from 10^5 to 10^8 samples, train solid and test dashed, one
    colour per method. ``published`` {method: {"train": (samples, values), "test": ...}}:
    the paper's own curves, drawn wide and faint behind ours in the same colours."""
    rows, columns = len(panels), max(len(row) for row in panels)
    fig, axes = plt.subplots(rows, columns, figsize=(panel_size[0] * columns, panel_size[1] * rows),
                             squeeze=False)
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
            if j == 0:
                ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3)
            if curves:
                ax.legend(fontsize=7, title="faint: the paper's" if published else None, title_fontsize=7)
    fig.tight_layout()
    return _save(fig, path)
