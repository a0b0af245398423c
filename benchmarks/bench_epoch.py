"""Seconds per training epoch of the model against three baselines, all measured in one run.

    python benchmarks/bench_epoch.py                          # random MNIST-shaped data
    python benchmarks/bench_epoch.py --data ../shared/data    # real MNIST
    python benchmarks/bench_epoch.py --modes CVM --dtypes float32 --epochs 3
    python benchmarks/bench_epoch.py --apart --rounds 5 --modes CVM --dtypes float32

For each PyTensor mode and dtype, a fresh process builds the model (784-400-20-
400-784, batch 100, 50,000 rows) twice: once with an empty compile cache
(cold) and once with the cache that build left (warm), and times ``--epochs``
rounds of update and update_batches; between them one process times the
NumPy baselines, and before and after them one process each the JAX
baseline (XLA's threads, once started, slow OpenBLAS down in the same
process), so that all see the same machine (these are shared and noisy, and
drift by 30 % within minutes). The five:

- ``update``: the model's per-batch step, 500 calls over a shuffled order;
- ``update_batches``: the same steps in 10 compiled calls of 50 (one scan each),
  as the training loop runs them;
- ``floor``: the epoch's 14 matrix products alone (``benchmarks/matmul_floor.py``).
  On C, timed in the model's process between its rounds, by the OpenBLAS the
  model links, so that batches/floor is the median of each round's own ratio;
  on JAX and Numba, NumPy's matmul in the baselines' process;
- ``jax_scan``: a hand-written JAX epoch, one jitted ``lax.scan``
  (``benchmarks/jax_scan_epoch.py``; skipped without jax);
- ``numpy``: a hand-written NumPy step (``benchmarks/numpy_step.py``).

Output (stable): one row per mode and dtype with compile_cold_s,
compile_warm_s (building the model and compiling its five functions), the medians over
both processes' rounds of each of the five (seconds per epoch), the
ratios update_batches/floor, update_batches/jax_scan and update/numpy, and
the OpenBLAS kernels the model's C code ran (``backend.blas_core``).

``--apart`` measures the other way: one process per part and round, the
parts alternating (floor, model, JAX scan, XLA floor; then the reverse
order), each timing ``--epochs`` epochs after a warm-up; per round the
ratios of the model's update_batches to the floor and to the JAX scan, and
of the floor to the XLA floor (the same 14 products by XLA's own kernels,
``matmul_floor.make_xla_floor``: above 1, the BLAS the model links is
slower at the products than XLA), and the table the median of those paired
ratios. Nothing shares a process with the model then,
but neighbouring processes are seconds apart, where the default's in-process
floor is interleaved with the model's own rounds. The default reports the
in-process paired floor; ``--apart`` says so in its header.

OpenBLAS picks its kernels when it loads, from the CPU or from the
environment variable OPENBLAS_CORETYPE, which this benchmark leaves as it
finds it: the model, the floor and the NumPy step run the same kernels.
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


def numpy_reference():
    """The tests' NumPy VAE (tests/reference/numpy_reference.py), for its initial weights."""
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
    from reference import numpy_reference

    return numpy_reference


def numpy_baseline(x, dtype):
    """A function epoch(number, batches) -> seconds of one epoch of the NumPy step."""
    sys.path.insert(0, HERE)
    from numpy_step import NumpyStep

    ref = numpy_reference()

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


def jax_baseline(x, dtype, params, batch_size, steps):
    """A function epoch(number, order) -> seconds of one hand-written JAX scan epoch, or None."""
    try:
        import jax
    except ImportError:
        return None
    sys.path.insert(0, HERE)
    from jax_scan_epoch import batches, initial_state, make_epoch

    if dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    run_epoch = make_epoch(batch_size, len(x))
    holder = {"state": initial_state(params)}
    rng = np.random.default_rng(1)

    def epoch(number, order):
        x_b = batches(x, order, batch_size)
        eps = rng.standard_normal((len(order), batch_size, SIZES["n_latent"])).astype(dtype)
        begin = time.perf_counter()
        holder["state"], bounds = run_epoch(holder["state"], x_b, eps, number)
        bounds.block_until_ready()
        return time.perf_counter() - begin

    epoch(1, np.arange(steps) % (len(x) // batch_size))  # compile
    return epoch


def measure(args):
    """In this process, one kind of measurement; prints JSON {"times": {name: [seconds per round]}, ...}.

    model: build (timed), then rounds of update, of update_batches and (on C)
    of the matmul floor, interleaved, then likelihood.
    baselines: rounds of the matmul floor and of the NumPy step.
    jax: rounds of the hand-written JAX scan epoch.
    JAX runs apart: XLA's worker threads, once started, slow OpenBLAS down by
    up to 2x in the same process on 2 cores.
    """
    sys.path.insert(0, HERE)
    x, xv = training_data(args.data)
    x = x.astype(args.dtype)
    rng = np.random.default_rng(0)
    orders = [rng.permutation(len(x) // SIZES["batch_size"])[:args.batches] for _ in range(args.epochs)]
    result = {}
    if args.child == "model":
        from vae_theano import VAE

        begin = time.perf_counter()
        vae = VAE(False, SIZES["hu_encoder"], SIZES["hu_decoder"], SIZES["n_latent"], x,
                  batch_size=SIZES["batch_size"], mode=args.mode, dtype=args.dtype)
        for name in ("update", "likelihood", "encode", "decode", "update_batches"):
            vae.compiled(name)  # each is compiled on first use
        result["build"] = time.perf_counter() - begin
        from vae_theano.backends import runs_c
        from vae_theano.backends.blas import blas_core

        result["blas_core"] = blas_core() or "-"
        np.asarray(vae.update_batches(np.array_split(orders[0], 10)[0], 1))  # JAX compiles per chunk length
        for batch in range(5):  # warm up: first calls allocate buffers and start BLAS threads
            vae.update(batch, 1)
        from matmul_floor import make_floor

        floor = make_floor(args.dtype, steps=args.batches, blas="wheel") if runs_c(args.mode) else None
        if floor:
            floor()  # warm up, as the model's functions were
        times = {"update": [], "update_batches": [], **({"floor": []} if floor else {})}
        for epoch, order in enumerate(orders, start=1):
            begin = time.perf_counter()
            for batch in order:
                np.asarray(vae.update(int(batch), epoch))  # waits, as update_batches below
            times["update"].append(time.perf_counter() - begin)
            begin = time.perf_counter()
            for chunk in np.array_split(order, 10):
                np.asarray(vae.update_batches(chunk, epoch))  # waits for an asynchronous backend
            times["update_batches"].append(time.perf_counter() - begin)
            if floor:
                times["floor"].append(floor())
        begin = time.perf_counter()
        vae.likelihood(xv)
        result["likelihood"] = time.perf_counter() - begin
    elif args.child in ("batches", "floor", "xla_floor"):  # --apart: one part alone in this process
        from matmul_floor import make_floor, make_xla_floor

        from vae_theano.backends import runs_c

        if args.child == "batches":
            from vae_theano import VAE

            vae = VAE(False, SIZES["hu_encoder"], SIZES["hu_decoder"], SIZES["n_latent"], x,
                      batch_size=SIZES["batch_size"], mode=args.mode, dtype=args.dtype)
            run = lambda epoch, order: [np.asarray(vae.update_batches(c, epoch)) for c in np.array_split(order, 10)]
        elif args.child == "floor":
            floor = make_floor(args.dtype, steps=args.batches, blas="wheel" if runs_c(args.mode) else "numpy")
            run = lambda epoch, order: floor()
        else:
            floor = make_xla_floor(args.dtype, steps=args.batches)
            run = (lambda epoch, order: floor()) if floor else (lambda epoch, order: float("nan"))
        run(1, orders[0])  # warm up at the timed lengths
        times = {args.child: []}
        for epoch, order in enumerate(orders, start=1):
            begin = time.perf_counter()
            run(epoch, order)
            times[args.child].append(time.perf_counter() - begin)
    elif args.child == "baselines":
        from matmul_floor import make_floor

        floor, numpy_epoch = make_floor(args.dtype, steps=args.batches), numpy_baseline(x, args.dtype)
        floor(), numpy_epoch(1, 5)
        times = {"floor": [], "numpy": []}
        for epoch in range(1, args.epochs + 1):
            times["floor"].append(floor())
            times["numpy"].append(numpy_epoch(epoch, args.batches))
    else:
        ref = numpy_reference()
        params = ref.init_params(False, 784, SIZES["hu_encoder"], SIZES["hu_decoder"], SIZES["n_latent"],
                                 dtype=args.dtype)
        jax_epoch = jax_baseline(x, args.dtype, params, SIZES["batch_size"], args.batches)
        times = {"jax_scan": [jax_epoch(epoch, order) for epoch, order in enumerate(orders, start=1)]
                 if jax_epoch else []}
    result["times"] = times
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_child(kind, mode, dtype, compiledir, args):
    env = dict(os.environ, PYTENSOR_FLAGS=f"compiledir={compiledir}" +
               ("," + os.environ["PYTENSOR_FLAGS"] if os.environ.get("PYTENSOR_FLAGS") else ""))
    cmd = [sys.executable, __file__, "--child", kind, "--mode", mode, "--dtype", dtype,
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
    p.add_argument("--apart", action="store_true",
                   help="one process per part and round, alternating; report the median of paired ratios")
    p.add_argument("--rounds", type=int, default=5, help="with --apart: rounds of the four processes")
    p.add_argument("--child", choices=["model", "baselines", "jax", "batches", "floor", "xla_floor"], help=argparse.SUPPRESS)
    p.add_argument("--mode", default="CVM", help=argparse.SUPPRESS)
    p.add_argument("--dtype", default="float64", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return measure(args)

    if args.apart:
        return main_apart(args)
    images = args.batches * SIZES["batch_size"]
    header = ("backend", "dtype", "compile_cold_s", "compile_warm_s", "update_s", "update_batches_s",
              "floor_s", "jax_scan_s", "numpy_s", "batches/floor", "batches/jax", "update/numpy",
              "peak_mem_MB", "likelihood_10k_s", "blas_kernels")
    print(f"# {images} images per epoch, {args.epochs} rounds per process; {os.cpu_count()} CPUs; "
          f"numpy {np.__version__}; seconds per epoch are medians")
    print("  ".join(f"{h:>16}" for h in header))
    for dtype in args.dtypes.split(","):
        for mode in args.modes.split(","):
            with tempfile.TemporaryDirectory() as compiledir:  # JAX before and after: drift shows
                jax_before = run_child("jax", mode, dtype, compiledir, args)
                cold = run_child("model", mode, dtype, compiledir, args)
                baselines = run_child("baselines", mode, dtype, compiledir, args)
                warm = run_child("model", mode, dtype, compiledir, args)
                jax_after = run_child("jax", mode, dtype, compiledir, args)
            failed = [r["error"] for r in (jax_before, cold, baselines, warm, jax_after) if "error" in r]
            if failed:
                print(f"{mode:>16}  {dtype:>16}  failed: {failed[0]}")
                continue
            rounds = {**baselines["times"], **{k: cold["times"][k] + warm["times"][k] for k in cold["times"]},
                      "jax_scan": jax_before["times"]["jax_scan"] + jax_after["times"]["jax_scan"]}
            med = {name: float(np.median(rounds[name])) if rounds.get(name) else float("nan")
                   for name in ("update", "update_batches", "floor", "jax_scan", "numpy")}
            ratio = lambda a, b: f"{med[a] / med[b]:.2f}"
            # With the floor timed in the model's process, round by round, the
            # ratio is the median of each round's own ratio: drift cancels.
            paired = "floor" in cold["times"]
            batches_floor = (f"{np.median(np.divide(rounds['update_batches'], rounds['floor'])):.2f}"
                             if paired else ratio("update_batches", "floor"))
            row = (mode, dtype, f"{cold['build']:.1f}", f"{warm['build']:.1f}",
                   *(f"{med[n]:.3f}" for n in ("update", "update_batches", "floor", "jax_scan", "numpy")),
                   batches_floor, ratio("update_batches", "jax_scan"),
                   ratio("update", "numpy"), f"{max(cold['peak_mb'], warm['peak_mb']):.0f}",
                   f"{warm['likelihood']:.3f}", warm.get("blas_core", "-"))
            print("  ".join(f"{c:>16}" for c in row), flush=True)


def main_apart(args):
    """--apart: per mode and dtype, rounds of floor, update_batches and JAX scan, each alone in
    a fresh process (warm compile cache), alternating in order; paired ratios per round."""
    print(f"# --apart: one process per part and round, {args.rounds} rounds, each the median of {args.epochs} "
          f"epochs of {args.batches * SIZES['batch_size']} images; {os.cpu_count()} CPUs; ratios are medians "
          f"of each round's own ratio")
    header = ("backend", "dtype", "update_batches_s", "floor_s", "jax_scan_s", "xla_floor_s", "batches/floor",
              "batches/jax", "floor/xla_floor", "blas_kernels")
    print("  ".join(f"{h:>16}" for h in header))
    for dtype in args.dtypes.split(","):
        for mode in args.modes.split(","):
            with tempfile.TemporaryDirectory() as compiledir:
                run_child("batches", mode, dtype, compiledir, args_with(args, epochs=1))  # fill the cache
                rounds = {"batches": [], "floor": [], "jax": [], "xla_floor": []}
                parts = ("floor", "batches", "jax", "xla_floor")
                for r in range(args.rounds):
                    for kind in (parts if r % 2 == 0 else parts[::-1]):
                        result = run_child(kind, mode, dtype, compiledir, args)
                        if "error" in result:
                            print(f"{mode:>16}  {dtype:>16}  failed ({kind}): {result['error']}")
                            break
                        name = "jax_scan" if kind == "jax" else kind
                        rounds[kind].append(float(np.median(result["times"][name])) if result["times"][name]
                                            else float("nan"))
            if min(map(len, rounds.values())) < args.rounds:
                continue
            med = {k: float(np.median(v)) for k, v in rounds.items()}
            paired = lambda a, b: f"{np.median(np.divide(rounds[a], rounds[b])):.2f}"
            from vae_theano.backends import runs_c
            from vae_theano.backends.blas import blas_core

            row = (mode, dtype, f"{med['batches']:.3f}", f"{med['floor']:.3f}", f"{med['jax']:.3f}",
                   f"{med['xla_floor']:.3f}", paired("batches", "floor"), paired("batches", "jax"),
                   paired("floor", "xla_floor"), (blas_core() or "-") if runs_c(mode) else "-")
            print("  ".join(f"{c:>16}" for c in row), flush=True)


def args_with(args, **changes):
    """A copy of the parsed ``args`` with some values changed."""
    return argparse.Namespace(**{**vars(args), **changes})


if __name__ == "__main__":
    main()
