#!/usr/bin/env bash
# The GPU check: our JAX mode, a hand-written JAX scan and PyTorch eager, one epoch each per round,
# on a fresh GPU machine that has JAX for CUDA and PyTorch but not PyTensor. Two steps:
#
#   bash benchmarks/gpu_check.sh wheels   # here, with a package registry: the wheels to carry, into .whl/
#   bash benchmarks/gpu_check.sh          # there, from the repo's root: install them, check, measure
#
# The second step installs the carried wheels into /tmp/site (no network needed), checks that
# update_batches runs on the GPU under jax.transfer_guard("disallow"), and writes the table to
# $OUT/gpu_table.md (or ./gpu_table.md). It takes about 3 minutes on an H200 (under 8).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

if [ "${1:-}" = "wheels" ]; then
  # PyTensor for the GPU machine's Python 3.12, and what vae_theano imports that such a machine lacks.
  platforms="--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64"
  $PY -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    $platforms --platform any -d .whl "pytensor==3.3.8" "pooch==1.9.0" "platformdirs>=4"
  ls -l .whl
  exit 0
fi

$PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
out=${OUT:-.}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
$PY - <<'EOF'
import jax, numpy as np
from vae_theano import VAE
print("JAX devices:", jax.devices())
x = np.random.default_rng(0).random((1000, 784)).astype(np.float32)
vae = VAE(False, 400, 400, 20, x, dtype="float32", mode="JAX")
vae.update_batches(np.arange(10), 1)  # warm-up: the parameters go over once
with jax.transfer_guard("disallow"):
    bounds = vae.update_batches(np.arange(10)[::-1], 2)
print("update_batches under transfer_guard('disallow'): OK", np.round(bounds[:3], 3))
EOF
$PY benchmarks/gpu_epoch.py --rounds 5 --out "$out/gpu_table.md"
