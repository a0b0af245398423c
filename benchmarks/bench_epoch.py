"""Seconds per epoch of ``update`` against a hand-written NumPy step, measured in one run.

    python benchmarks/bench_epoch.py                          # random MNIST-shaped data
    python benchmarks/bench_epoch.py --data ../shared/data    # real MNIST
    python benchmarks/bench_epoch.py --modes CVM --dtypes float32 --epochs 3

For each PyTensor mode and dtype, a fresh process builds the model (784-400-20-
400-784, batch 100, 50,000 rows) twice: once with an empty compile cache
(cold) and once with the cache that build left (warm), then times ``--epochs``
epochs of ``update`` over a shuffled batch order. The baseline is
``benchmarks/numpy_step.py`` (forward, backward, Adam in NumPy, written for
speed; a test checks it against the model). It runs in the same process,
one baseline epoch after each model epoch, so that both see the same machine:
these are shared and noisy, and their speed drifts by 30 % within minutes.
The ratio is the model's median seconds per epoch over the baseline's (below
1: faster than NumPy). It also times ``likelihood`` on 10,000 rows.

Output format (stable): one row per mode and dtype with the columns
backend, dtype, compile_cold_s, compile_warm_s, epoch_s (median over the cold
and warm processes' epochs), numpy_epoch_s (the interleaved baseline's
median), ratio, images_per_s, peak_mem_MB, likelihood_10k_s.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = dict(hu_encoder=400, hu_decoder=400, n_latent=20, batch_size=100)


def training_data(path, seed=0):
    """(50000, 784) and (10000, 784) float64 in [0, 1]: real MNIST, or random of that shape."""
    if path:
        from vae_theano.datasets import load_mnist

        (x, _), (xv, _), _ = load_mnist(path)
        return x.astype(np.float64), xv.astype(np.float64)
    rng = np.random.default_rng(seed)
    return rng.random((50_000, 784)), rng.random((10_000, 784))


def numpy_baseline(x, dtype):
    """A function epoch(number, batches) -> seconds of one epoch of the NumPy step."""
    sys.path.insert(0, HERE)
    from numpy_step import NumpyStep

    from vae_theano import numpy_reference as ref

    x = x.astype(dtype)
    params = ref.init_params(False, 784, SIZES["hu_encoder"], SIZES["hu_decoder"], SIZES["n_latent"],
                             dtype=dtype)
    bs = SIZES["batch_size"]
    step = NumpyStep(params, bs, len(x))
    rng = np.random.default_rng(0)

    def epoch(number, batches):
        begin = time.perf_counter()
        for batch in rng.permutation(len(x) // bs)[:batches]:
            eps = rng.standard_normal((bs, SIZES["n_latent"]), dtype=dtype)
            step.step(x[batch * bs:(batch + 1) * bs], eps, number)
        return time.perf_counter() - begin

    return epoch


def measure(args):
    """In this process: build (timed), epochs of update, likelihood; print JSON."""
    from vae_theano import VAE

    x, xv = training_data(args.data)
    begin = time.perf_counter()
    vae = VAE(False, SIZES["hu_encoder"], SIZES["hu_decoder"], SIZES["n_latent"], x,
              batch_size=SIZES["batch_size"], mode=args.mode, dtype=args.dtype)
    build = time.perf_counter() - begin
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the baseline's arrays
    baseline = numpy_baseline(x, args.dtype)
    for batch in range(5):  # warm up: first calls allocate buffers and start BLAS threads
        vae.update(batch, 1)
    baseline(1, 5)
    rng = np.random.default_rng(0)
    times, numpy_times = [], []
    for epoch in range(1, args.epochs + 1):
        begin = time.perf_counter()
        for batch in rng.permutation(vae.n_batches)[:args.batches]:
            vae.update(int(batch), epoch)
        times.append(time.perf_counter() - begin)
        numpy_times.append(baseline(epoch, args.batches))
    begin = time.perf_counter()
    vae.likelihood(xv)
    likelihood = time.perf_counter() - begin
    peak = max(peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(dict(build=build, epochs=times, numpy_epochs=numpy_times,
                          likelihood=likelihood, peak_mb=peak)))


def run_child(mode, dtype, compiledir, args):
    env = dict(os.environ, PYTENSOR_FLAGS=f"compiledir={compiledir}" +
               ("," + os.environ["PYTENSOR_FLAGS"] if os.environ.get("PYTENSOR_FLAGS") else ""))
    cmd = [sys.executable, __file__, "--child", "--mode", mode, "--dtype", dtype,
           "--epochs", str(args.epochs), "--batches", str(args.batches)]
    if args.data:
        cmd += ["--data", args.data]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default=None, help="MNIST file or folder (default: random data of MNIST's shape)")
    p.add_argument("--modes", default="CVM,NUMBA,JAX", help="comma-separated PyTensor modes")
    p.add_argument("--dtypes", default="float32,float64", help="comma-separated dtypes")
    p.add_argument("--epochs", type=int, default=3, help="timed epochs per configuration (median reported)")
    p.add_argument("--batches", type=int, default=500, help="batches per epoch (500: all of MNIST)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--mode", default="CVM", help=argparse.SUPPRESS)
    p.add_argument("--dtype", default="float64", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return measure(args)

    images = args.batches * SIZES["batch_size"]
    header = ("backend", "dtype", "compile_cold_s", "compile_warm_s", "epoch_s", "numpy_epoch_s",
              "ratio", "images_per_s", "peak_mem_MB", "likelihood_10k_s")
    print(f"# {images} images per epoch, {args.epochs} epochs each; {os.cpu_count()} CPUs; "
          f"numpy {np.__version__}")
    print("  ".join(f"{h:>16}" for h in header))
    for dtype in args.dtypes.split(","):
        for mode in args.modes.split(","):
            with tempfile.TemporaryDirectory() as compiledir:
                cold = run_child(mode, dtype, compiledir, args)
                warm = run_child(mode, dtype, compiledir, args)
            if "error" in cold or "error" in warm:
                print(f"{mode:>16}  {dtype:>16}  failed: {(cold.get('error') or warm.get('error'))}")
                continue
            epoch = float(np.median(cold["epochs"] + warm["epochs"]))
            baseline = float(np.median(cold["numpy_epochs"] + warm["numpy_epochs"]))
            row = (mode, dtype, f"{cold['build']:.1f}", f"{warm['build']:.1f}", f"{epoch:.3f}",
                   f"{baseline:.3f}", f"{epoch / baseline:.2f}", f"{images / epoch:.0f}",
                   f"{max(cold['peak_mb'], warm['peak_mb']):.0f}", f"{warm['likelihood']:.3f}")
            print("  ".join(f"{c:>16}" for c in row), flush=True)


if __name__ == "__main__":
    main()
