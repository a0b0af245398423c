"""Seconds from ``VAE(...)`` to the end of the first training steps, cold and warm, against
PyTensor's own CVM linker in the same run.

    python benchmarks/bench_build.py                   # 3 rounds, float32, MNIST's shapes
    python benchmarks/bench_build.py --rounds 5 --modules

What is timed is what training runs first: the model (784-400-20-400-784,
batch 100) and its ``update_batches`` (the scan of training steps), called
once; then, apart, ``likelihood`` (the validation bound, which training first
calls at the end of its first epoch). Cold: a fresh process
with an empty compile cache (``compiledir``), so g++ builds every C module;
warm: a second fresh process on the cache the first left. Two variants, in
alternating order, each round:

- ``ours``: the default mode, whose linker builds a function's missing C modules
  in parallel, with precompiled headers (``vae_theano.backends.compilation``);
- ``pytensor``: the same model on PyTensor's predefined ``CVM`` mode, which
  builds them one after another.

The table gives the medians and the median of each round's ratio
(pytensor / ours). ``--modules`` adds, from one more cold build of ours, the
modules g++ built: the node each was written for and its g++ seconds (its
wall time on its thread). The machine's CPU count and model are printed
first, since the cold build scales with the cores.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

BUILD = r"""
import json, sys, time
start = time.perf_counter()
import numpy as np
import pytensor
from pytensor.compile.mode import get_mode
modules = []
if {modules}:
    from pytensor.link.c.cmodule import GCC_compiler
    from vae_theano.backends import compilation
    real, written = GCC_compiler.__dict__["compile_str"], {{}}
    missing = compilation._missing_module
    def recorded(node):
        job = missing(node)
        if job is not None:
            written[job[0]] = str(node.op)
        return job
    def timed(module_name, *args, **kwargs):
        begin = time.perf_counter()
        try:
            return real.__func__(module_name, *args, **kwargs)
        finally:
            modules.append((written.get(module_name, "?"), time.perf_counter() - begin))
    compilation._missing_module = recorded
    GCC_compiler.compile_str = staticmethod(timed)
from vae_theano import VAE
imported = time.perf_counter()
x = np.random.default_rng(0).random((1000, 784))
vae = VAE(False, 400, 400, 20, x, dtype="float32", mode={mode})
vae.update_batches(np.arange(2), 1)
batches = time.perf_counter()
vae.likelihood(x[:100])
done = time.perf_counter()
print(json.dumps(dict(import_s=imported - start, build_s=batches - imported, likelihood_s=done - batches,
                      modules=modules)))
"""


def build(mode, compiledir, modules=False):
    """One fresh process: {import_s, build_s, likelihood_s, modules} building with ``mode`` into ``compiledir``."""
    flags = ",".join(f for f in (f"compiledir={compiledir}", os.environ.get("PYTENSOR_FLAGS", "")) if f)
    script = BUILD.format(mode=mode, modules=modules)
    out = subprocess.run([sys.executable, "-c", script], env=dict(os.environ, PYTENSOR_FLAGS=flags),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


VARIANTS = {"ours": "None", "pytensor": "get_mode('CVM')"}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3, help="rounds of both variants (default 3)")
    p.add_argument("--modules", action="store_true", help="list the modules of one more cold build")
    args = p.parse_args()

    print(f"# {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), {cpu_model()}, "
          f"Python {platform.python_version()}")
    times = {name: {"cold": [], "warm": [], "likelihood cold": [], "likelihood warm": []} for name in VARIANTS}
    for r in range(args.rounds):
        order = list(VARIANTS) if r % 2 == 0 else list(VARIANTS)[::-1]
        for name in order:
            with tempfile.TemporaryDirectory() as compiledir:
                for kind in ("cold", "warm"):
                    result = build(VARIANTS[name], compiledir)
                    times[name][kind].append(result["build_s"])
                    times[name][f"likelihood {kind}"].append(result["likelihood_s"])
            print(f"round {r + 1}: {name:9s} cold {times[name]['cold'][-1]:6.1f} s   "
                  f"warm {times[name]['warm'][-1]:5.2f} s", flush=True)
    print(f"\n{'':10s}{'cold_s':>8s}{'warm_s':>8s}{'likelihood cold / warm (s)':>30s}")
    for name in VARIANTS:
        t = {kind: statistics.median(values) for kind, values in times[name].items()}
        print(f"{name:10s}{t['cold']:8.1f}{t['warm']:8.2f}{t['likelihood cold']:22.1f} / {t['likelihood warm']:.2f}")
    for kind in ("cold", "warm"):
        ratio = statistics.median(a / b for a, b in zip(times["pytensor"][kind], times["ours"][kind]))
        print(f"pytensor / ours, {kind}: {ratio:.2f}x (median of the rounds' ratios)")

    if args.modules:
        with tempfile.TemporaryDirectory() as compiledir:
            result = build("None", compiledir, modules=True)
        total = sum(seconds for _, seconds in result["modules"])
        print(f"\n{len(result['modules'])} modules, {total:.1f} s of g++ in all; the model and "
              f"update_batches built in {result['build_s']:.1f} s, likelihood in {result['likelihood_s']:.1f} s:")
        for op, seconds in sorted(result["modules"], key=lambda m: -m[1]):
            print(f"  {seconds:5.2f}  {op[:90]}")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
