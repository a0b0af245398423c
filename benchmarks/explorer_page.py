"""The explorer page in headless Chromium: how close its numbers are to Python's, and how
long a decode and a whole pointer move take there, against ``vae.decode`` of one row.

    python benchmarks/explorer_page.py                       # the three pretrained models
    python benchmarks/explorer_page.py --rounds 9 --calls 2000

For each pretrained model: the page's size (``explore.py``'s defaults: 2000 held-out
points and 16 examples; without the data set, 2000 draws from the prior as the dots
and no examples); the largest differences between the page's ``vae.decode`` on 50
random z (N(0, 1.5^2)) and Python's, and between its ``vae.encode`` on 50 held-out
images (random ones without the data) and ``vae.encode_mean``, each also against a
float64 NumPy referee; milliseconds per decode in the page (``--calls`` calls,
median of ``--rounds``), per pointer move on the pad (a pointermove event: a
decode, the big image, the pad redrawn), and per Python ``vae.decode`` of one row
(the C backend, the same rounds); and the ratio page / Python. Chromium runs in its
own processes, Python's BLAS in this one.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))
import explore  # noqa: E402
from vae_theano import explorer, pretrained  # noqa: E402
from vae_theano.datasets import DatasetError  # noqa: E402
from vae_theano.explorer import browser  # noqa: E402

TIME_DECODE = """([calls, z]) => {
    const start = performance.now();
    for (let i = 0; i < calls; i++) vae.decode(z);
    return (performance.now() - start) / calls;
}"""
TIME_POINTER = """calls => {
    const pad = document.getElementById("pad"), box = pad.getBoundingClientRect();
    const start = performance.now();
    for (let i = 0; i < calls; i++) {
        pad.dispatchEvent(new PointerEvent("pointermove", {pointerType: "mouse",
            clientX: box.left + (i % 97 + 1) / 99 * box.width, clientY: box.top + (i % 89 + 1) / 91 * box.height}));
    }
    return (performance.now() - start) / calls;
}"""


def relative_difference(page, python):
    """The largest |page - python| / |python|, over the values at least 1e-4 in size (below
    that, float32's rounding of the sums, some 1e-8 absolute, dominates any ratio)."""
    page, python = np.asarray(page, dtype=np.float64), np.asarray(python, dtype=np.float64)
    large = np.abs(python) >= 1e-4
    return float(np.max(np.abs(page - python)[large] / np.abs(python[large])))


def reference(vae, z=None, x=None):
    """The decoder's means at z, or the posterior's (mu, log_sigma) at x, in float64 NumPy
    from the model's weights: a referee for both the page and Python's float32."""
    w = {k: v.get_value().astype(np.float64) for k, v in vae.params.items()}
    act = np.tanh if vae.activation == "tanh" else (lambda a: np.where(a < 0, 0, a))
    if z is not None:
        h = act(z @ w["W_zh"] + w["b_zh"])
        a = h @ w["W_hxmu"] + w["b_hxmu"] if vae.continuous else h @ w["W_hx"] + w["b_hx"]
        return a if vae.continuous and not vae.bounded_mean else 1 / (1 + np.exp(-a))
    h = act(x.astype(np.float64) @ w["W_xh"] + w["b_xh"])
    return h @ w["W_hmu"] + w["b_hmu"], h @ w["W_hsigma"] + w["b_hsigma"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7, help="timed rounds; medians are reported")
    p.add_argument("--calls", type=int, default=1000, help="decodes (or pointer moves) per round")
    p.add_argument("--data", default=None, help="data file or folder (default: as the loaders search)")
    args = p.parse_args(argv)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; Chromium {browser.find_chromium()}")
    rows = []
    with tempfile.TemporaryDirectory() as folder, browser.chromium() as chromium:
        for name in pretrained.list():
            out = os.path.join(folder, f"{name}.html")
            vae = pretrained.load(name)
            rng = np.random.default_rng(0)
            try:
                explore.main([name, "--out", out] + (["--data", args.data] if args.data else []))
                with open(out, encoding="utf-8") as f:
                    x = np.resize(explorer.decode_array(explorer.read_model(f.read())["examples"]), (50, vae.features))
            except (OSError, DatasetError) as e:  # no data set here: draws from the prior as dots, random images
                print(f"{name}: {e}; the page gets 2000 draws from the prior as its dots, and random images")
                explorer.write_page(vae, out, title=name, points=rng.standard_normal((2000, vae.n_latent)))
                x = rng.uniform(size=(50, vae.features)).astype(vae.dtype)
            page, problems = browser.open_page(chromium, out)
            z = rng.standard_normal((50, vae.n_latent)) * 1.5
            decoded = page.evaluate("zs => zs.map(z => vae.decode(z))", z.tolist())
            encoded = page.evaluate("xs => xs.map(x => vae.encode(x))", x.tolist())
            mu, log_sigma = vae.encode_mean(x)
            one = z[:1]
            vae.decode(one)  # compiled before timing
            page_ms, pointer_ms, python_ms = [], [], []
            for _ in range(args.rounds):
                page_ms.append(page.evaluate(TIME_DECODE, [args.calls, one[0].tolist()]))
                pointer_ms.append(page.evaluate(TIME_POINTER, max(1, args.calls // 10)))
                start = time.perf_counter()
                for _ in range(args.calls):
                    vae.decode(one)
                python_ms.append(1e3 * (time.perf_counter() - start) / args.calls)
            assert not problems, problems
            page_encoded = np.concatenate([[e["mu"] for e in encoded], [e["logSigma"] for e in encoded]])
            exact_decoded, exact_encoded = reference(vae, z=z), np.concatenate(reference(vae, x=x))
            rows.append((name, os.path.getsize(out),
                         np.abs(np.asarray(decoded) - vae.decode(z)).max(), relative_difference(decoded, vae.decode(z)),
                         relative_difference(page_encoded, np.concatenate([mu, log_sigma])),
                         relative_difference(decoded, exact_decoded), relative_difference(page_encoded, exact_encoded),
                         relative_difference(vae.decode(z), exact_decoded),
                         relative_difference(np.concatenate([mu, log_sigma]), exact_encoded),
                         statistics.median(page_ms), statistics.median(pointer_ms), statistics.median(python_ms),
                         statistics.median(a / b for a, b in zip(page_ms, python_ms))))
            page.close()
    print("Largest differences, page against Python (decode: absolute, and relative where |value| >= 1e-4; "
          "encode: relative), then each against a float64 NumPy referee (relative):\n")
    print("| model | page (bytes) | decode abs | decode rel | encode rel | page vs float64: decode / encode "
          "| Python float32 vs float64: decode / encode |")
    print("|---|---|---|---|---|---|---|")
    for name, size, da, dd, de, pd, pe, fd, fe, *_ in rows:
        print(f"| {name} | {size:,} | {da:.1e} | {dd:.1e} | {de:.1e} | {pd:.1e} / {pe:.1e} "
              f"| {fd:.1e} / {fe:.1e} |")
    print("\n| model | decode in the page (ms) | pointer move on the pad (ms) | vae.decode, one row (ms) "
          "| page / Python |")
    print("|---|---|---|---|---|")
    for name, *_, page_ms, pointer_ms, python_ms, ratio in rows:
        print(f"| {name} | {page_ms:.3f} | {pointer_ms:.2f} | {python_ms:.3f} | {ratio:.2f}x |")
    return rows


if __name__ == "__main__":
    main()
