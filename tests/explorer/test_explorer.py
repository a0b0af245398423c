"""The explorer page: what it stores (in Python), and what it computes and shows in a real
headless Chromium, against the model's own numbers.

The browser tests need Playwright and a Chromium (Debian's ``chromium``; ``.ci/run``
installs it). Without them they skip, with the reason, except under CI=true, where
a missing browser fails the suite.
"""

import os
import sys

import numpy as np
import pytest
from scipy.stats import norm

from conftest import REPO, SHARED_DATA
from vae_theano import VAE, explorer, latent, pretrained
from vae_theano.datasets import load_freyface, load_mnist
from vae_theano.explorer import browser as chromium
from vae_theano.plots import image_shape_of

sys.path.insert(0, os.path.join(REPO, "examples"))
import explore  # noqa: E402

MNIST = os.path.join(SHARED_DATA, "mnist.pkl.gz")
FREY = os.path.join(SHARED_DATA, "frey_rawface.mat")


def small_gaussian(dtype="float32"):
    """An untrained 60-50-3-40-60 model, tanh units, a Gaussian decoder with an unbounded mean."""
    return VAE(True, 50, 40, 3, None, features=60, activation="tanh", dtype=dtype, seed=3)


def small_softplus():
    """As ``small_gaussian`` with softplus units, float64, its weights widened so that the units
    leave log(1 + e^0) = log 2."""
    vae = VAE(True, 50, 40, 3, None, features=60, activation="softplus", dtype="float64", seed=3)
    rng = np.random.default_rng(4)
    for name, p in vae.params.items():
        p.set_value(rng.normal(0, 0.5, p.get_value().shape))
    return vae


def held_out_images(vae, n, seed=0):
    """n images for ``vae``: the real held-out ones where ../shared has them, else random ones."""
    if vae.features == 784 and os.path.exists(MNIST):
        return load_mnist(SHARED_DATA)[2][0][:n]
    if vae.features == 560 and os.path.exists(FREY):
        return load_freyface(SHARED_DATA, seed=0)[1][:n]
    x = np.random.default_rng(seed).uniform(size=(n, vae.features))
    return (x * (x > 0.6)).astype(vae.dtype)  # mostly empty, as a digit is


@pytest.fixture(scope="module")
def models():
    """The shipped models and two untrained ones, each built once."""
    return {"mnist-nz20": pretrained.load("mnist-nz20"), "mnist-nz2": pretrained.load("mnist-nz2"),
            "freyface-nz2": pretrained.load("freyface-nz2"), "gaussian-float32": small_gaussian(),
            "gaussian-float64": small_gaussian("float64"), "softplus-float64": small_softplus()}


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(tmp_path, vae, name="page", n_points=300, **settings):
    """The page of ``vae`` with the posterior means of n_points images and 8 examples."""
    x = held_out_images(vae, n_points + 8)
    path = tmp_path / f"{name}.html"
    image_shape = settings.pop("image_shape", (6, 10) if vae.features == 60 else None)
    explorer.write_page(vae, path, title=name, image_shape=image_shape,
                        points=vae.encode_mean(x[:n_points])[0], examples=x[n_points:], **settings)
    return path


# -- what the page stores (no browser) -------------------------------------------------

def test_the_page_stores_the_parameters_it_needs_bit_for_bit(tmp_path, models):
    for name in ("mnist-nz2", "freyface-nz2", "gaussian-float64"):
        vae = models[name]
        model = explorer.read_model(read(write(tmp_path, vae, name)))
        mean = ("W_hxmu", "b_hxmu") if vae.continuous else ("W_hx", "b_hx")
        assert set(model["params"]) == set(explorer.PAGE_PARAMS + mean)  # not the decoder's variance
        for key, stored in model["params"].items():
            value = explorer.decode_array(stored)
            assert value.dtype == vae.dtype and np.array_equal(value, vae.params[key].get_value()), key
        assert (model["nLatent"], model["features"], model["continuous"], model["activation"]) == \
            (vae.n_latent, vae.features, vae.continuous, vae.activation)


def test_the_page_folds_the_log_variance_factor_into_its_weights(tmp_path):
    """A model whose encoder's log-variance is c W_hsigma h + b_hsigma (``log_var_factor``) gives the
    page c W_hsigma, which its h W + b turns into the model's log-variance."""
    vae = VAE(True, 50, 40, 3, None, features=60, activation="tanh", dtype="float64", seed=3, log_var_factor=0.1)
    vae.params["W_hsigma"].set_value(np.random.default_rng(0).normal(0, 0.5, (50, 3)))
    model = explorer.read_model(read(write(tmp_path, vae)))
    p = {key: explorer.decode_array(stored) for key, stored in model["params"].items()}
    x = held_out_images(vae, 5)
    h = np.tanh(x @ p["W_xh"] + p["b_xh"])
    np.testing.assert_allclose(h @ p["W_hsigma"] + p["b_hsigma"], vae.encode_mean(x)[1], rtol=1e-10, atol=1e-12)


def test_the_page_connects_to_nothing(tmp_path, models):
    page = read(write(tmp_path, models["mnist-nz2"]))
    assert "default-src 'none'" in page  # its Content-Security-Policy: no fetch, image, font or frame
    for address in ("http:", "https:", "//cdn", " src=", " href="):
        assert address not in page


def test_the_20_dimensional_mnist_page_is_under_4_mb(tmp_path, models):
    vae = models["mnist-nz20"]
    size = explorer.write_page(vae, tmp_path / "e.html", title="mnist-nz20", labels=np.arange(2000) % 10,
                               points=np.random.default_rng(0).standard_normal((2000, 20)),
                               examples=np.zeros((16, 784)))
    assert size == os.path.getsize(tmp_path / "e.html") < 4_000_000


def test_the_principal_axes_are_the_points(tmp_path, models):
    vae = models["mnist-nz20"]
    points = vae.encode_mean(held_out_images(vae, 500))[0].astype(np.float64)
    model = explorer.read_model(read(write(tmp_path, vae, n_points=500)))
    mean, directions, scales = (np.array(model["principal"][k]) for k in ("mean", "directions", "scales"))
    np.testing.assert_allclose(directions @ directions.T, np.eye(20), atol=1e-12)
    np.testing.assert_allclose(mean, points.mean(axis=0), rtol=1e-12, atol=1e-15)
    # Each direction with its own spread, largest first; the first two, independently, the
    # covariance's two largest eigenvectors (up to sign).
    np.testing.assert_allclose(((points - mean) @ directions.T).std(axis=0), scales, rtol=1e-10)
    assert np.all(np.diff(scales) <= 0)
    values, vectors = np.linalg.eigh(np.cov(points.T, bias=True))
    np.testing.assert_allclose(np.abs(directions[:2] @ vectors[:, ::-1][:, :2]), np.eye(2), atol=1e-6)


@pytest.mark.parametrize("settings, message", [
    ({"points": np.zeros((5, 3))}, r"points must have shape \(n, n_latent=2\), got \(5, 3\)"),
    ({"points": np.zeros((5001, 2))}, "points: 1 to 5000 of them, got 5001"),
    ({"points": np.full((5, 2), np.nan)}, "points must be finite numbers"),
    ({"points": np.zeros((5, 2)), "labels": [1, 2, 3, 4, 10]}, "labels must be 5 integers 0-9"),
    ({"points": np.zeros((5, 2)), "labels": [1, 2]}, "labels must be 5 integers 0-9"),
    ({"labels": [1, 2]}, "labels colour the points: give points too"),
    ({"examples": np.full((2, 784), 1.5)}, r"examples must hold values in \[0, 1\], the page's grey levels; "
                                           r"got values in \[1.5, 1.5\]"),
    ({"examples": np.full((2, 784), np.nan)}, "examples holds NaN or inf values"),
    ({"examples": np.zeros((101, 784))}, "examples: 1 to 100 of them, got 101"),
    ({"examples": np.zeros((2, 783))}, "examples has 783 features per row; this model was built for 784"),
    ({"image_shape": (28, 27)}, r"image_shape \(28, 27\) holds 756 values, the images have 784"),
    ({"image_shape": (-28, -28)}, r"image_shape must be \(height, width\), two positive whole numbers"),
])
def test_bad_input_is_refused_in_one_line_before_writing(tmp_path, models, settings, message):
    with pytest.raises(ValueError, match=message):
        explorer.write_page(models["mnist-nz2"], tmp_path / "e.html", title="t", **settings)
    assert not os.listdir(tmp_path)


def test_the_principal_plane_needs_points_that_spread_in_every_direction(tmp_path, models):
    with pytest.raises(ValueError, match="the principal axes of 20-D points need more than 20 of them, got 20"):
        explorer.write_page(models["mnist-nz20"], tmp_path / "e.html", title="t",
                            points=np.random.default_rng(0).standard_normal((20, 20)))
    flat = np.random.default_rng(0).standard_normal((50, 20))
    flat[:, 5] = 0.3  # one latent dimension the points never leave
    with pytest.raises(ValueError, match="the points spread in 19 of 20 directions: the principal axes need all"):
        explorer.write_page(models["mnist-nz20"], tmp_path / "e.html", title="t", points=flat)
    assert not os.listdir(tmp_path)


def test_a_diverged_model_is_refused(tmp_path):
    vae = small_gaussian()
    vae.params["W_zh"].set_value(np.full((3, 40), np.nan, dtype="float32"))
    with pytest.raises(ValueError, match="the model's W_zh hold NaN or infinite values: a diverged model"):
        explorer.write_page(vae, tmp_path / "e.html", title="t", image_shape=(6, 10))
    assert not os.listdir(tmp_path)


def test_a_failed_write_names_the_file_and_leaves_nothing(tmp_path, models):
    (tmp_path / "file").write_text("")
    with pytest.raises(OSError, match="could not write .*file/e.html"):
        explorer.write_page(models["mnist-nz2"], tmp_path / "file" / "e.html", title="t")
    assert os.listdir(tmp_path) == ["file"]


def test_explore_writes_a_page_from_a_parameter_file_without_data(tmp_path, models):
    vae = models["gaussian-float32"]
    vae.save_parameters(str(tmp_path / "params.npz"))
    out = explore.main([str(tmp_path / "params.npz"), "--out", str(tmp_path / "e.html"), "--points", "0",
                        "--examples", "0", "--activation", "tanh", "--image-shape", "6", "10"])
    model = explorer.read_model(read(out))
    assert (model["imageShape"], model["activation"], model["points"]) == ([6, 10], "tanh", None)
    np.testing.assert_array_equal(explorer.decode_array(model["params"]["W_zh"]), vae.params["W_zh"].get_value())


def test_explore_refuses_a_parameter_files_settings_for_a_model_that_records_them(tmp_path):
    with pytest.raises(ValueError, match="mnist-nz2 records its settings: drop --activation, --bounded-mean"):
        explore.main(["mnist-nz2", "--out", str(tmp_path / "e.html"), "--activation", "tanh", "--bounded-mean"])
    assert not os.listdir(tmp_path)


def test_explore_names_what_it_cannot_open(tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such: no such file or folder, and no pretrained model "
                                                "of that name \\(there are: freyface-nz2, mnist-nz2"):
        explore.main(["no-such", "--out", str(tmp_path / "e.html")])
    assert not os.listdir(tmp_path)


# -- the page in a real browser ---------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    reason = chromium.missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, and the browser tests cannot run: {reason}")
        pytest.skip(reason)
    with chromium.chromium() as running:
        yield running


@pytest.fixture
def open_page(browser):
    """open_page(path) -> the page in a new tab; afterwards, the tab must have shown no
    console error or uncaught exception, and fetched nothing but its own file."""
    opened = []

    def open_(path):
        page, problems = chromium.open_page(browser, path)
        opened.append((page, problems))
        return page

    yield open_
    for page, problems in opened:
        page.close()
        assert problems == []


def canvas_values(page, canvas_id):
    """The canvas's grey levels (0-255), row by row, from its red channel."""
    rgba = np.array(page.evaluate("""id => {
        const c = document.getElementById(id);
        return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
    }""", canvas_id))
    return rgba[0::4], page.evaluate("id => [document.getElementById(id).height, document.getElementById(id).width]",
                                     canvas_id)


def assert_shows(page, canvas_id, images, columns=1):
    """The canvas holds ``images`` (n, D) at 8 bits, side by side: within one level of
    round(255 v), for the last-bit differences between the page's doubles and float32."""
    grey, (height, width) = canvas_values(page, canvas_id)
    h, w = page.evaluate("vae.imageShape")
    tiles = np.asarray(grey).reshape(height // h, h, width // w, w).transpose(0, 2, 1, 3).reshape(-1, h * w)
    expected = np.round(255 * np.clip(np.asarray(images, dtype=np.float64), 0, 1))
    assert tiles.shape == expected.shape
    assert np.abs(tiles - expected).max() <= 1


@pytest.mark.parametrize("name", ["mnist-nz20", "mnist-nz2", "freyface-nz2", "gaussian-float32", "gaussian-float64",
                                  "softplus-float64"])
def test_the_pages_decode_and_encode_are_the_models(tmp_path, models, open_page, name):
    vae = models[name]
    page = open_page(write(tmp_path, vae, name))
    assert page.evaluate("[vae.nLatent, vae.features, vae.imageShape]") == \
        [vae.n_latent, vae.features, list(image_shape_of(vae.features, (6, 10) if vae.features == 60 else None))]
    z = np.random.default_rng(1).standard_normal((50, vae.n_latent)) * 1.5
    decoded = np.array(page.evaluate("zs => zs.map(z => vae.decode(z))", z.tolist()))
    # Relative to float32's own rounding: the page sums in doubles from the same weights.
    np.testing.assert_allclose(decoded, vae.decode(z), rtol=1e-5, atol=1e-7)
    x = held_out_images(vae, 50, seed=2)
    encoded = page.evaluate("xs => xs.map(x => vae.encode(x))", x.tolist())
    mu, log_sigma = vae.encode_mean(x)
    np.testing.assert_allclose([e["mu"] for e in encoded], mu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose([e["logSigma"] for e in encoded], log_sigma, rtol=1e-5, atol=1e-6)


def test_bad_calls_throw_one_line_that_names_the_problem(tmp_path, models, open_page):
    page = open_page(write(tmp_path, models["mnist-nz2"]))
    message = "call => { try { eval(call); } catch (e) { return `${e.name}: ${e.message}`; } }"
    assert page.evaluate(message, "vae.decode([1])") == "TypeError: vae.decode: z must be 2 numbers, got 1"
    assert page.evaluate(message, "vae.decode([1, NaN])") == \
        "TypeError: vae.decode: z[1] is NaN: values must be finite numbers"
    assert page.evaluate(message, "vae.decode([null, 1])") == \
        "TypeError: vae.decode: z[0] is null: values must be finite numbers"
    assert page.evaluate(message, "vae.encode(new Array(784).fill(2))") == \
        "TypeError: vae.encode: x[0] is 2: values must be finite numbers in [0, 1]"
    assert page.evaluate(message, "vae.decode(3)") == "TypeError: vae.decode: z must be 2 numbers, got number"


def test_pointing_on_the_pad_decodes_the_prior_quantile_there(tmp_path, models, open_page):
    vae = models["mnist-nz2"]
    page = open_page(write(tmp_path, vae))
    box = page.locator("#pad").bounding_box()
    for fx, fy in [(0.5, 0.5), (0.1, 0.8), (0.93, 0.25), (0.3, 0.05)]:
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        z = np.array(page.evaluate("explorer.z"))
        # z_1 = Phi^-1 of the position left to right, z_2 = Phi^-1 of it bottom to top (to the
        # 1e-5 of a pad's width that Chromium's single-precision pointer positions keep).
        np.testing.assert_allclose(norm.cdf(z), [fx, 1 - fy], atol=1e-5)
        assert_shows(page, "decoded", vae.decode(z[None]))
        assert page.inner_text("#z-readout") == f"z = ({z[0]:.3f}, {z[1]:.3f})"


def test_hovering_previews_and_a_click_moves_z(tmp_path, models, open_page):
    """The pointer over the pad shows its point; leaving the pad goes back to z, unless a
    click (or a drag) moved z there: so a button outside the pad takes the point clicked."""
    vae = models["mnist-nz2"]
    page = open_page(write(tmp_path, vae))
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + 0.2 * box["width"], box["y"] + 0.3 * box["height"])
    hovered = page.evaluate("explorer.z")
    assert page.evaluate("explorer.pinned") == [0, 0] and hovered != [0, 0]
    page.mouse.move(box["x"] + box["width"] + 50, box["y"])  # off the pad
    assert page.evaluate("explorer.z") == [0, 0]
    assert_shows(page, "decoded", vae.decode(np.zeros((1, 2))))
    page.mouse.click(box["x"] + 0.2 * box["width"], box["y"] + 0.3 * box["height"])
    page.click("#set-a")  # on the way, the pointer crosses the pad: z stays where it was clicked
    np.testing.assert_array_equal(page.evaluate("explorer.ends")[0], hovered)
    np.testing.assert_array_equal(page.evaluate("explorer.z"), hovered)


def test_the_pads_quantiles_are_scipys(tmp_path, models, open_page):
    page = open_page(write(tmp_path, models["mnist-nz2"]))
    u = np.concatenate([[0.001, 0.01, 0.02424, 0.02426, 0.3, 0.5, 0.77, 0.97574, 0.97576, 0.999],
                        np.random.default_rng(0).uniform(0.001, 0.999, 40)])
    z = np.array(page.evaluate("us => us.map(u => explorer.padPoint(u, 1 - u)[0])", u.tolist()))
    np.testing.assert_allclose(z, norm.ppf(u), rtol=2e-9, atol=1e-12)  # Acklam's algorithm: 1.15e-9
    assert page.evaluate("explorer.padPoint(0, 1)") == page.evaluate("explorer.padPoint(0.0001, 0.9999)")  # the edge
    np.testing.assert_allclose(page.evaluate("explorer.padPoint(0, 1)"), norm.ppf([0.001, 0.001]), rtol=2e-9)


def test_pointing_on_the_principal_plane_moves_z_in_it(tmp_path, models, open_page):
    vae = models["mnist-nz20"]
    path = write(tmp_path, vae, n_points=500)
    principal = explorer.read_model(read(path))["principal"]
    mean, directions, scales = (np.array(principal[k]) for k in ("mean", "directions", "scales"))
    page = open_page(path)
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + 0.7 * box["width"], box["y"] + 0.4 * box["height"])
    z = np.array(page.evaluate("explorer.z"))
    c = (z - mean) @ directions.T
    # The other principal coefficients stay those of z = 0, where the page starts; the first
    # two are the position, +-3 standard deviations across the pad (to Chromium's
    # single-precision pointer positions, 1e-5 of the pad).
    np.testing.assert_allclose(c[2:], ((np.zeros(20) - mean) @ directions.T)[2:], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(c[:2] / (6 * scales[:2]), [0.7 - 0.5, 0.5 - 0.4], atol=1e-5)
    assert_shows(page, "decoded", vae.decode(z[None]))


def draw(page, points):
    """A stroke with the mouse through ``points``, fractions (x, y) of the drawing canvas."""
    box = page.locator("#drawing").bounding_box()
    at = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    page.mouse.move(*at[0])
    page.mouse.down()
    for point in at[1:]:
        page.mouse.move(*point, steps=8)
    page.mouse.up()


@pytest.mark.parametrize("name", ["mnist-nz20", "mnist-nz2"])
def test_a_drawn_stroke_is_encoded_and_reconstructed_as_python_does(tmp_path, models, open_page, name):
    vae = models[name]
    page = open_page(write(tmp_path, vae))
    draw(page, [(0.3, 0.25), (0.7, 0.25), (0.45, 0.8)])  # a 7
    drawn = np.array(page.evaluate("explorer.drawing")).reshape(28, 28)
    # The pen's ink: full on the stroke's corners, none far from it, a few pixels wide.
    assert drawn[7, 8] == drawn[7, 19] == 1 and drawn[22, 12] > 0.9
    assert drawn[20, 22] == drawn[2, 2] == drawn[14, 4] == 0
    assert 40 < np.count_nonzero(drawn) < 200  # about 3 pixels wide along 50 pixels of stroke
    assert_shows(page, "drawing", drawn.reshape(1, -1))
    mu, log_sigma = vae.encode_mean(drawn.reshape(1, -1).astype(vae.dtype))
    encoded = page.evaluate("explorer.encoded")
    np.testing.assert_allclose(encoded["mu"], mu[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(encoded["logSigma"], log_sigma[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(page.evaluate("explorer.z"), mu[0], rtol=1e-5, atol=1e-6)  # z moves to mu(x)
    assert_shows(page, "reconstruction", vae.decode(mu))
    assert_shows(page, "decoded", vae.decode(mu))
    slider = float(page.inner_text("#sliders span"))  # the first slider's readout
    assert slider == pytest.approx(mu[0, 0], abs=5e-4 + 1e-5)


def test_the_sliders_move_z_along_dimensions_and_principal_directions(tmp_path, models, open_page):
    vae = models["mnist-nz20"]
    path = write(tmp_path, vae, n_points=500)
    principal = explorer.read_model(read(path))["principal"]
    mean, directions = np.array(principal["mean"]), np.array(principal["directions"])
    page = open_page(path)
    page.locator("#slider-3").fill("1.25")
    z = np.zeros(20)
    z[3] = 1.25
    np.testing.assert_array_equal(page.evaluate("explorer.z"), z)
    assert_shows(page, "decoded", vae.decode(z[None]))
    page.check("#principal")  # the same point, now read along the principal directions
    shown = [float(s) for s in page.locator("#sliders span").all_inner_texts()]
    np.testing.assert_allclose(shown, (z - mean) @ directions.T, atol=5e-4 + 1e-9)
    step = float(page.get_attribute("#slider-0", "step"))
    page.locator("#slider-0").fill(str(40 * step))  # 0.4 standard deviations along the first direction
    c = (z - mean) @ directions.T
    c[0] = 40 * step
    np.testing.assert_allclose(page.evaluate("explorer.z"), mean + c @ directions, rtol=1e-6, atol=1e-7)


def test_the_line_between_two_examples_is_latent_interpolate(tmp_path, models, open_page):
    vae = models["mnist-nz20"]
    path = write(tmp_path, vae)
    examples = explorer.decode_array(explorer.read_model(read(path))["examples"])
    page = open_page(path)
    assert page.is_disabled("#t")
    page.click("#example-0")
    page.click("#set-a")
    page.click("#example-5")
    page.click("#set-b")
    a, b = vae.encode_mean(examples[[0, 5]])[0]
    ends = page.evaluate("explorer.ends")
    np.testing.assert_allclose(ends, [a, b], rtol=1e-5, atol=1e-6)
    assert_shows(page, "line", latent.interpolate(vae, ends[0], ends[1], steps=11))
    page.locator("#t").fill("0.3")
    z = 0.7 * np.array(ends[0]) + 0.3 * np.array(ends[1])
    np.testing.assert_allclose(page.evaluate("explorer.z"), z, rtol=1e-12, atol=1e-12)
    assert_shows(page, "decoded", vae.decode(z[None]))
    assert page.inner_text("#t-readout") == "t = 0.30"
    page.click("#sample")  # z leaves the line, and the page says so
    assert page.evaluate("explorer.t") is None and page.inner_text("#t-readout") == "z is off the line"


def test_a_sample_from_the_prior_is_decoded(tmp_path, models, open_page):
    vae = models["gaussian-float32"]
    page = open_page(write(tmp_path, vae))
    page.click("#sample")
    z = np.array(page.evaluate("explorer.z"))
    page.click("#sample")
    assert not np.array_equal(page.evaluate("explorer.z"), z)  # a new draw each time
    z = np.array(page.evaluate("explorer.z"))
    assert_shows(page, "decoded", vae.decode(z[None]))  # the unbounded Gaussian mean, clipped to [0, 1]
    assert "clipped to [0, 1]" in page.inner_text("#decoded-caption")


@pytest.mark.parametrize("name, data", [
    ("mnist-nz2", MNIST), ("mnist-nz20", MNIST), ("freyface-nz2", FREY)])
def test_explore_writes_working_pages_of_the_shipped_models(tmp_path, models, open_page, name, data):
    """What the issue asks for: each page, written from the real held-out set, works offline."""
    if not os.path.exists(data):
        pytest.skip(f"{data} is absent (it comes with ../shared beside the repo)")
    out = explore.main([name, "--out", str(tmp_path / "e.html"), "--data", SHARED_DATA, "--points", "1000",
                        "--examples", "4"])
    model = explorer.read_model(read(out))
    if name.startswith("mnist"):  # the dots' digits: the first 1,000 test labels
        assert model["labels"] == load_mnist(SHARED_DATA)[2][1][:1000].tolist()
    else:
        assert model["labels"] is None
    page = open_page(out)
    vae = models[name]
    page.click("#example-2")
    x = explorer.decode_array(model["examples"])[2]
    np.testing.assert_allclose(page.evaluate("explorer.z"), vae.encode_mean(x[None])[0][0], rtol=1e-5, atol=1e-6)
    assert_shows(page, "drawing", x[None])
    assert_shows(page, "reconstruction", vae.decode(vae.encode_mean(x[None])[0]))
    assert page.is_visible("#pad")
