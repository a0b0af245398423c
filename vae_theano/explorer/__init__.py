"""The latent space in a browser: one self-contained HTML page that decodes where you
point and encodes what you draw.

    from vae_theano import explorer, pretrained
    explorer.write_page(pretrained.load("mnist-nz2"), "explorer.html", title="mnist-nz2")

``examples/explore.py`` writes it from a run folder, a ``params.npz`` or a
pretrained model's name, with the held-out set's posterior means drawn on it.

The page is ``page.html`` with ``page.css``, ``page.js`` and the model (a JSON
object) written into it: the parameters that encoding and decoding need, base64
of their little-endian float32 (or float64) bytes, and optionally latent points,
their labels, the principal axes of those points and a few example images. It
fetches nothing (its Content-Security-Policy allows no connection at all), so it
works offline, opened from disk. ``page.js`` does the model's maths in JavaScript
(doubles, from the stored weights) and exposes it as ``window.vae = {nLatent,
features, imageShape, decode(z), encode(x)}``; ``tests/explorer/test_explorer.py`` checks
it against ``vae.decode`` and ``vae.encode_mean`` in headless Chromium.
"""

import base64
import html
import json
import os
import re

import numpy as np

from ..files.atomic import atomic_write
from ..latent import principal_axes
from ..plots import image_shape_of
from ..validation import check_latent, check_rows
from ..vae import ENCODER_PARAMS

FOLDER = os.path.dirname(os.path.abspath(__file__))
DECODER_MEAN = {False: ("W_hx", "b_hx"), True: ("W_hxmu", "b_hxmu")}  # by ``continuous``
PAGE_ACTIVATIONS = ("relu", "tanh", "softplus")  # the hidden units page.js knows
PAGE_PARAMS = ENCODER_PARAMS + ("W_zh", "b_zh")  # the encoder, the decoder's hidden layer; + its mean's
MODEL_TAG = '<script id="model" type="application/json">'  # page.html's; read_model finds the model by it
MAX_POINTS = 5000  # latent points drawn on the pad: enough to see the clusters, light enough to draw
MAX_EXAMPLES = 100  # images to click: a strip, not a data set


def write_page(vae, path, *, title, image_shape=None, points=None, labels=None, examples=None,
               description=""):
    """Write the explorer page of model ``vae`` to ``path`` (atomically, UTF-8); returns its
    size in bytes. Every argument is checked before anything is written.

    vae: a ``VAE`` (trained or not; its training set is not used). title: the page's
    heading, e.g. the model's name. image_shape: (height, width) of one image (default:
    the data set with ``vae.features`` values, ``plots.image_shape_of``). points: latent
    points (n, n_latent) drawn on the pad, e.g. the held-out set's posterior means
    (``vae.encode_mean(x)[0]``), at most ``MAX_POINTS``; for n_latent > 2 their principal
    axes (``latent.principal_axes``; they need n > n_latent points that spread in every
    direction) give the pad's plane and the sliders' second mode. labels: n integers 0-9
    colouring the points (e.g. the digits). examples: at most ``MAX_EXAMPLES`` images
    (m, D) in [0, 1] to encode with one click. description: a line under the title.
    """
    shape = image_shape_of(vae.features, image_shape)
    if vae.activation not in PAGE_ACTIVATIONS:
        raise ValueError(f"the page runs {' and '.join(PAGE_ACTIVATIONS)} units, not {vae.activation!r}")
    mean_layer = DECODER_MEAN[vae.continuous]
    params = {name: vae.params[name].get_value() for name in PAGE_PARAMS + mean_layer}
    params["W_hsigma"] = params["W_hsigma"] * params["W_hsigma"].dtype.type(vae.log_var_factor)  # the page: h W + b
    broken = [name for name, value in params.items() if not np.all(np.isfinite(value))]
    if broken:
        raise ValueError(f"the model's {', '.join(broken)} hold NaN or infinite values: a diverged model")
    model = {
        "title": str(title), "description": str(description),
        "nLatent": vae.n_latent, "features": vae.features, "imageShape": list(shape),
        "continuous": vae.continuous, "boundedMean": vae.bounded_mean, "activation": vae.activation,
        "decoderMean": list(mean_layer), "params": {name: encode_array(value) for name, value in params.items()},
        "points": None, "labels": None, "principal": None, "examples": None,
    }
    if points is not None:
        points = check_points(points, vae.n_latent)
        model["points"] = encode_array(points.astype(np.float32))
        model["principal"] = principal_plane(points) if vae.n_latent > 2 else None
        model["labels"] = None if labels is None else check_labels(labels, len(points))
    elif labels is not None:
        raise ValueError("labels colour the points: give points too")
    if examples is not None:
        model["examples"] = encode_array(check_examples(examples, vae.features).astype(vae.dtype))
    page = render(model).encode("utf-8")
    with atomic_write(path) as f:
        f.write(page)
    return len(page)


def check_points(points, n_latent):
    """points as (n, n_latent) finite float64 values (``validation.check_latent``), 1 <= n <=
    MAX_POINTS; else ValueError."""
    points = check_latent(points, n_latent, "points")
    if not 1 <= len(points) <= MAX_POINTS:
        raise ValueError(f"points: 1 to {MAX_POINTS} of them, got {len(points)}")
    return points.astype(np.float64)


def check_examples(examples, features):
    """examples as images (m, features) (``validation.check_rows``) in [0, 1], the page's grey
    levels, 1 <= m <= MAX_EXAMPLES; else ValueError."""
    examples = check_rows(examples, features, continuous=True, what="examples")
    if not 1 <= len(examples) <= MAX_EXAMPLES:
        raise ValueError(f"examples: 1 to {MAX_EXAMPLES} of them, got {len(examples)}")
    if examples.min() < 0 or examples.max() > 1:
        raise ValueError(f"examples must hold values in [0, 1], the page's grey levels; "
                         f"got values in [{examples.min()}, {examples.max()}]")
    return examples


def principal_plane(points):
    """The principal axes of points (n, n_latent) as the page takes them; ValueError when
    they do not spread in every direction (the sliders need a scale for each)."""
    n, n_latent = points.shape
    if n <= n_latent:
        raise ValueError(f"the principal axes of {n_latent}-D points need more than {n_latent} of them, got {n}")
    mean, directions, scales = principal_axes(points)
    if not scales[-1] > 1e-9 * scales[0]:
        raise ValueError(f"the points spread in {int(np.sum(scales > 1e-9 * scales[0]))} of {n_latent} "
                         f"directions: the principal axes need all")
    return {"mean": mean.tolist(), "directions": directions.tolist(), "scales": scales.tolist()}


def check_labels(labels, n):
    """labels as a list of n integers 0-9; else ValueError."""
    labels = np.asarray(labels)
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"labels must be {n} integers 0-9, one per point, "
                         f"got {labels.dtype} values of shape {labels.shape}")
    return labels.astype(int).tolist()


def encode_array(array):
    """{"dtype", "shape", "data"}: ``array`` as base64 of its little-endian bytes, row-major."""
    array = np.asarray(array)
    dtype = array.dtype.newbyteorder("<")
    if dtype.kind != "f" or dtype.itemsize not in (4, 8):
        raise ValueError(f"the page stores float32 or float64 arrays, not {array.dtype}")
    return {"dtype": f"float{8 * dtype.itemsize}", "shape": list(array.shape),
            "data": base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")}


def decode_array(stored):
    """The array that ``encode_array`` stored: what the page reads, read back in Python."""
    dtype = np.dtype(stored["dtype"]).newbyteorder("<")
    return np.frombuffer(base64.b64decode(stored["data"]), dtype=dtype).reshape(stored["shape"])


def render(model):
    """The page's HTML: ``page.html`` with its style, its script and ``model`` (a dict) filled in."""
    parts = {}
    for name in ("page.html", "page.css", "page.js"):
        with open(os.path.join(FOLDER, name), encoding="utf-8") as f:
            parts[name] = f.read()
    # "<" only occurs inside JSON strings, where \u003c reads the same: nothing in the
    # data can end its <script> element or open a comment there.
    data = json.dumps(model, separators=(",", ":")).replace("<", "\\u003c")
    values = {"TITLE": html.escape(model["title"]), "STYLE": parts["page.css"], "MODEL": data,
              "SCRIPT": parts["page.js"]}
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], parts["page.html"])


def read_model(page):
    """The model (a dict) written into a page's HTML text: for tests and tools."""
    start = page.index(MODEL_TAG) + len(MODEL_TAG)
    return json.loads(page[start:page.index("</script>", start)])
