"""The floor: an epoch's matrix products alone, into preallocated arrays.

A training step of the 784-400-20-400-784 VAE at batch 100 does 14 matrix
products: 5 forward (x W_xh, h W_hmu, h W_hsigma, z W_zh, h_dec W_hx) and 9
backward (two per weight gradient layer: the weight's gradient and the signal
passed down, except at the input). No implementation of the step can beat
the time of these products with the same BLAS; the benchmark reports the
model's epoch as a multiple of this floor.

Three ways to run the products: NumPy's matmul (NumPy's own OpenBLAS),
``cblas_?gemm`` of the OpenBLAS the model's C code links (the
``scipy-openblas32`` wheel), called through ctypes, or XLA's own dot
kernels in one jitted ``lax.scan`` (``make_xla_floor``: the floor of the
hand-written JAX epoch, which need not be OpenBLAS's). Timed in the model's own
process, the floor must use the model's library: two OpenBLAS libraries in
one process each keep a pool of worker threads, and on 2 cores the pool that
has just worked keeps spinning while the other wants the cores (measured:
the model's epoch 0.66 s alone, 0.95-1.06 s right after NumPy's products).
"""

import ctypes
import time

import numpy as np

ROW_MAJOR, NO_TRANS = 101, 111  # CBLAS enums


def shapes(D=784, H=400, Z=20, K=400, B=100):
    """(m, k, n) of each product, an (m, k) by (k, n) matrix."""
    forward = [(B, D, H), (B, H, Z), (B, H, Z), (B, Z, K), (B, K, D)]
    backward = [(K, B, D), (B, D, K),   # dW_hx = h_dec^T da, dh_dec = da W_hx^T
                (Z, B, K), (B, K, Z),   # dW_zh, dz
                (H, B, Z), (H, B, Z),   # dW_hmu, dW_hsigma
                (B, Z, H), (B, Z, H),   # dh from mu and from log_sigma
                (D, B, H)]              # dW_xh
    return forward + backward


def wheel_gemm(dtype):
    """gemm(a, b, out): out = a @ b by the wheel's cblas_sgemm/dgemm (C-contiguous arrays)."""
    from vae_theano.backends.blas import wheel_openblas_path

    lib = ctypes.CDLL(wheel_openblas_path())
    real = ctypes.c_float if dtype == "float32" else ctypes.c_double
    routine = lib.scipy_cblas_sgemm if dtype == "float32" else lib.scipy_cblas_dgemm
    one, zero = real(1.0), real(0.0)

    def gemm(a, b, out):
        (m, k), n = a.shape, b.shape[1]
        routine(ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k, one, ctypes.c_void_p(a.ctypes.data), k,
                ctypes.c_void_p(b.ctypes.data), n, zero, ctypes.c_void_p(out.ctypes.data), n)

    return gemm


def make_floor(dtype, steps=500, seed=0, blas="numpy", **sizes):
    """A function floor() -> seconds of ``steps`` times the 14 products, by
    ``blas``: "numpy" (matmul) or "wheel" (the model's OpenBLAS)."""
    rng = np.random.default_rng(seed)
    operands = [(rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype),
                 np.empty((m, n), dtype)) for m, k, n in shapes(**sizes)]
    product = wheel_gemm(dtype) if blas == "wheel" else (lambda a, b, out: np.matmul(a, b, out=out))

    def floor():
        begin = time.perf_counter()
        for _ in range(steps):
            for a, b, out in operands:
                product(a, b, out)
        return time.perf_counter() - begin

    return floor


def make_xla_floor(dtype, steps=500, seed=0, **sizes):
    """A function floor() -> seconds of ``steps`` times the 14 products by XLA: one jitted
    ``lax.scan``, whose step passes the operands and the products through
    ``optimization_barrier`` (XLA may then neither hoist a product out of the
    loop nor compute only the part of it that is used); None without jax."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    if dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(seed)
    operands = [(jnp.asarray(rng.standard_normal((m, k)).astype(dtype)),
                 jnp.asarray(rng.standard_normal((k, n)).astype(dtype))) for m, k, n in shapes(**sizes)]

    @jax.jit
    def epoch(operands):
        def step(carry, _):
            inputs, carry = jax.lax.optimization_barrier((operands, carry))
            products = jax.lax.optimization_barrier([a @ b for a, b in inputs])
            return carry + sum(p[0, 0] for p in products), None

        return jax.lax.scan(step, jnp.zeros((), dtype), None, length=steps)[0]

    def floor():
        begin = time.perf_counter()
        epoch(operands).block_until_ready()
        return time.perf_counter() - begin

    return floor
