"""Write a page to explore a trained model's latent space in a browser: point to decode, draw to encode.

    python examples/explore.py mnist-nz2 --out explorer.html        # a pretrained model
    python examples/explore.py runs/mnist --out explorer.html       # a training run's folder
    python examples/explore.py params.npz --dataset mnist --out explorer.html

The page is one HTML file that works offline, opened from disk (double-click
it): the model's weights are inside it, and its encoder and decoder run there
in JavaScript. With N_z = 2 a pad over the latent plane decodes where you
point; with more, sliders move z (along the latent dimensions or the held-out
posterior means' principal directions) and a pad covers their principal plane.
What you draw is encoded, and a slider runs between two points.

The held-out set's posterior means (--points of them, coloured by digit for
MNIST) are drawn on the pad, and --examples of its images are there to click;
they need the data set (found as the loaders find it, or --data). With
--points 0 --examples 0 no data set is read.
"""

import argparse
import os
import pathlib
import webbrowser

from vae_theano import explorer, pretrained
from vae_theano.explorer import browser
from vae_theano.datasets import IMAGE_SHAPES
from vae_theano.runs.checkpoint import CHECKPOINT_FILE, load_model, load_run_model
from vae_theano.runs.cli import add_option_flags, cli
from vae_theano.runs.config import RunConfig, load_dataset


def open_model(source, **settings):
    """(vae, dataset or None, config or None, title, description) of a pretrained model's
    name, a run folder or a parameter file. ``settings`` (dataset, activation,
    bounded_mean) are a parameter file's; the other two record theirs, and refuse them."""
    given = sorted(f"--{key.replace('_', '-')}" for key, value in settings.items() if value not in (None, False))
    recorded = source in pretrained.list() or os.path.isfile(os.path.join(source, CHECKPOINT_FILE))
    if recorded and given:
        raise ValueError(f"{source} records its settings: drop {', '.join(given)} (they are for a parameter file)")
    if source in pretrained.list():
        info = pretrained.card(source)
        return (pretrained.load(source), info["config"]["dataset"], RunConfig.from_saved(info["config"]),
                source, info["description"])
    path = os.path.join(source, CHECKPOINT_FILE)
    title = os.path.basename(os.path.normpath(source))
    if os.path.isfile(path):
        vae, config = load_run_model(source)
        return vae, config.dataset, config, title, describe(vae, config)
    if not os.path.exists(source):
        raise FileNotFoundError(f"{source}: no such file or folder, and no pretrained model of that name "
                                f"(there are: {', '.join(pretrained.list())})")
    vae = load_model(source, activation=settings.get("activation") or "relu",
                     bounded_mean=bool(settings.get("bounded_mean")))
    dataset = settings.get("dataset") or next(
        (name for name, (h, w) in IMAGE_SHAPES.items() if h * w == vae.features), None)
    return vae, dataset, None, title, describe(vae, None)


def describe(vae, config):
    """One line: the model's sizes and decoder, and what it was trained on."""
    decoder = "Gaussian" if vae.continuous else "Bernoulli"
    line = (f"A VAE {vae.features}-{vae.hu_encoder}-{vae.n_latent}-{vae.hu_decoder}-{vae.features}, "
            f"{vae.activation} units, a {decoder} decoder")
    return line + (f", trained on {config.dataset}." if config else ".")


def demonstrate(page):
    """What --screenshot shows: a 7 drawn with the mouse and encoded (the line's end A), an
    example image clicked (B), and z halfway between them."""
    box = page.locator("#drawing").bounding_box()
    at = lambda x, y: (box["x"] + x * box["width"], box["y"] + y * box["height"])  # noqa: E731
    page.mouse.move(*at(0.28, 0.27))
    page.mouse.down()
    for x, y in ((0.72, 0.25), (0.62, 0.45), (0.47, 0.78)):
        page.mouse.move(*at(x, y), steps=12)
    page.mouse.up()
    page.click("#set-a")
    if page.locator("#example-1").count():
        page.click("#example-1")
    page.click("#set-b")
    page.locator("#t").fill("0.5")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", help=f"a pretrained model ({', '.join(pretrained.list())}), a run folder "
                                  f"(holds {CHECKPOINT_FILE}), or a params.npz / a folder of the original's pickles")
    p.add_argument("--out", default="explorer.html", help="the page to write (default: %(default)s)")
    p.add_argument("--points", type=int, default=2000,
                   help=f"held-out posterior means drawn on the pad, at most {explorer.MAX_POINTS} "
                        f"(default: %(default)s)")
    p.add_argument("--examples", type=int, default=16,
                   help=f"held-out images to click and encode, at most {explorer.MAX_EXAMPLES} (default: %(default)s)")
    p.add_argument("--data", default=None, help="data file or folder (default: as the loaders search)")
    p.add_argument("--dataset", choices=sorted(IMAGE_SHAPES), default=None,
                   help="a parameter file's data set, for its image shape and held-out set "
                        "(default: the one with as many pixels)")
    p.add_argument("--image-shape", type=int, nargs=2, metavar=("HEIGHT", "WIDTH"), default=None,
                   help="a parameter file's image shape (default: its data set's)")
    add_option_flags(p.add_argument_group("a parameter file's settings (a run folder and a pretrained model "
                                          "record theirs; default: the original's)"),
                     ("activation", "bounded_mean"), defaults={"activation": None, "bounded_mean": None})
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument("--screenshot", metavar="PNG", default=None,
                   help="also save a picture of the page in use (a drawn 7, the line to an example), taken "
                        "by headless Chromium through Playwright (pip install playwright)")
    p.add_argument("--chromium", metavar="PATH", default=None,
                   help=f"the Chromium for --screenshot (default: ${browser.CHROMIUM_ENV}, else chromium on PATH)")
    args = p.parse_args(argv)
    if not 0 <= args.points <= explorer.MAX_POINTS or not 0 <= args.examples <= explorer.MAX_EXAMPLES:
        p.error(f"--points must be in [0, {explorer.MAX_POINTS}] and --examples in [0, {explorer.MAX_EXAMPLES}]")

    vae, dataset, config, title, description = open_model(
        args.source, dataset=args.dataset, activation=args.activation, bounded_mean=args.bounded_mean)
    image_shape = args.image_shape or (IMAGE_SHAPES.get(dataset) if dataset else None)
    points = labels = examples = None
    if args.points or args.examples:
        if dataset is None:
            p.error(f"{vae.features} pixels are no known data set's: give --dataset, or --points 0 --examples 0")
        # The rows the model is evaluated on: MNIST's test images (and digits), Frey Face's held-out faces.
        _, held = config.load_data(args.data) if config else load_dataset(dataset, args.data)
        x_held = held.x
        if args.points:
            points = vae.encode_mean(x_held[:args.points])[0]
            labels = None if held.labels is None else held.labels[:args.points]
        if args.examples:
            examples = x_held[-args.examples:]  # the last rows: not among the dots where the set has more
    size = explorer.write_page(vae, args.out, title=title, image_shape=image_shape, points=points, labels=labels,
                               examples=examples, description=description)
    print(f"wrote {args.out} ({size / 2 ** 20:.1f} MiB): open it in a browser")
    if args.screenshot:
        browser.screenshot(args.out, args.screenshot, args.chromium, actions=demonstrate)
        print(f"wrote {args.screenshot}")
    if args.open:
        webbrowser.open(pathlib.Path(args.out).resolve().as_uri())
    return args.out


if __name__ == "__main__":
    cli(main)
