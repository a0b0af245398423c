"""The floor: an epoch's matrix products alone, NumPy's matmul into preallocated arrays.

A training step of the 784-400-20-400-784 VAE at batch 100 does 14 matrix
products: 5 forward (x W_xh, h W_hmu, h W_hsigma, z W_zh, h_dec W_hx) and 9
backward (two per weight gradient layer: the weight's gradient and the signal
passed down, except at the input). No implementation of the step can beat
the time of these products with the same BLAS; the benchmark reports the
model's epoch as a multiple of this floor.
"""

import numpy as np


def shapes(D=784, H=400, Z=20, K=400, B=100):
    """(m, k, n) of each product, an (m, k) by (k, n) matrix."""
    forward = [(B, D, H), (B, H, Z), (B, H, Z), (B, Z, K), (B, K, D)]
    backward = [(K, B, D), (B, D, K),   # dW_hx = h_dec^T da, dh_dec = da W_hx^T
                (Z, B, K), (B, K, Z),   # dW_zh, dz
                (H, B, Z), (H, B, Z),   # dW_hmu, dW_hsigma
                (B, Z, H), (B, Z, H),   # dh from mu and from log_sigma
                (D, B, H)]              # dW_xh
    return forward + backward


def make_floor(dtype, steps=500, seed=0, **sizes):
    """A function floor() -> seconds of ``steps`` times the 14 products."""
    rng = np.random.default_rng(seed)
    operands = [(rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype),
                 np.empty((m, n), dtype)) for m, k, n in shapes(**sizes)]

    def floor():
        import time

        begin = time.perf_counter()
        for _ in range(steps):
            for a, b, out in operands:
                np.matmul(a, b, out=out)
        return time.perf_counter() - begin

    return floor
