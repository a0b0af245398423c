"""The speed baseline: one training step of the Bernoulli VAE, written for speed in NumPy.

Same maths as ``tests/reference/numpy_reference.py`` (which is written for clarity),
but as a NumPy expert would write it for speed: buffers allocated once, matrix
products into them (``np.matmul(..., out=)``), ReLU and Adam in place, no
temporaries that can be avoided. ``tests/test_benchmark_baseline.py`` checks
its gradients and updates against the model.
"""

import numpy as np


class NumpyStep:
    """Forward, backward and the original's Adam for batches of ``batch_size`` rows.

    params: {name: array} in the model's layout (weights (fan_in, fan_out));
    they, and the Adam moments, are updated in place by ``step``.
    """

    def __init__(self, params, batch_size, N, b1=0.95, b2=0.999, learning_rate=0.001, lam=0.0):
        self.p = params
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.g = {k: np.empty_like(v) for k, v in params.items()}
        self.b1, self.b2, self.lr, self.lam = b1, b2, learning_rate, lam
        self.decay_scale = batch_size / N
        dtype = params["W_xh"].dtype
        D, H = params["W_xh"].shape
        Z, K = params["W_zh"].shape
        B = batch_size
        e = lambda *shape: np.empty(shape, dtype=dtype)
        self.h, self.mu, self.ls, self.std, self.z = e(B, H), e(B, Z), e(B, Z), e(B, Z), e(B, Z)
        self.hd, self.a, self.tmp, self.da = e(B, K), e(B, D), e(B, D), e(B, D)
        self.dhd, self.dz, self.dmu, self.dls, self.dh = e(B, K), e(B, Z), e(B, Z), e(B, Z), e(B, H)
        self.work = {k: np.empty_like(v) for k, v in params.items()}

    def step(self, x, eps, epoch):
        """One Adam ascent step on the batch x (B, D) with noise eps (B, n_latent); returns the bound."""
        p, g = self.p, self.g
        B = x.shape[0]
        # forward
        np.matmul(x, p["W_xh"], out=self.h)
        self.h += p["b_xh"]
        np.maximum(self.h, 0, out=self.h)
        np.matmul(self.h, p["W_hmu"], out=self.mu)
        self.mu += p["b_hmu"]
        np.matmul(self.h, p["W_hsigma"], out=self.ls)
        self.ls += p["b_hsigma"]
        np.multiply(self.ls, 0.5, out=self.std)
        np.exp(self.std, out=self.std)
        np.multiply(self.std, eps, out=self.z)
        self.z += self.mu
        np.matmul(self.z, p["W_zh"], out=self.hd)
        self.hd += p["b_zh"]
        np.maximum(self.hd, 0, out=self.hd)
        np.matmul(self.hd, p["W_hx"], out=self.a)
        self.a += p["b_hx"]
        # log p(x|z) = sum x a - softplus(a); d/da = x - sigmoid(a)
        np.logaddexp(0, self.a, out=self.tmp)
        logpxz = np.vdot(x, self.a) - self.tmp.sum()
        var = np.exp(self.ls)
        kld = 0.5 * (B * self.mu.shape[1] + self.ls.sum() - np.vdot(self.mu, self.mu) - var.sum())
        bound = (logpxz + kld) / B
        np.negative(self.a, out=self.tmp)
        np.exp(self.tmp, out=self.tmp)
        self.tmp += 1
        np.divide(1.0, self.tmp, out=self.tmp)  # sigmoid(a)
        np.subtract(x, self.tmp, out=self.da)
        self.da *= 1.0 / B
        # backward
        np.matmul(self.hd.T, self.da, out=g["W_hx"])
        self.da.sum(axis=0, out=g["b_hx"])
        np.matmul(self.da, p["W_hx"].T, out=self.dhd)
        self.dhd *= self.hd > 0
        np.matmul(self.z.T, self.dhd, out=g["W_zh"])
        self.dhd.sum(axis=0, out=g["b_zh"])
        np.matmul(self.dhd, p["W_zh"].T, out=self.dz)
        np.subtract(self.dz, self.mu / B, out=self.dmu)
        np.multiply(self.dz, eps, out=self.dls)
        self.dls *= self.std
        self.dls *= 0.5
        self.dls += (0.5 / B) * (1 - var)
        np.matmul(self.h.T, self.dmu, out=g["W_hmu"])
        self.dmu.sum(axis=0, out=g["b_hmu"])
        np.matmul(self.h.T, self.dls, out=g["W_hsigma"])
        self.dls.sum(axis=0, out=g["b_hsigma"])
        np.matmul(self.dmu, p["W_hmu"].T, out=self.dh)
        self.dh += self.dls @ p["W_hsigma"].T
        self.dh *= self.h > 0
        np.matmul(x.T, self.dh, out=g["W_xh"])
        self.dh.sum(axis=0, out=g["b_xh"])
        self.adam(epoch)
        return bound

    def adam(self, epoch):
        """The original's Adam, in place: m, v, then theta (+ L2 on weights)."""
        b1, b2 = self.b1, self.b2
        coef = self.lr * np.sqrt(1 - b2 ** epoch) / (1 - b1 ** epoch)
        for name, theta in self.p.items():
            m, v, g, w = self.m[name], self.v[name], self.g[name], self.work[name]
            if "W" in name:
                theta *= 1 - self.lr * self.lam * self.decay_scale  # uses theta before the step
            m *= b1
            np.multiply(g, 1 - b1, out=w)
            m += w
            v *= b2
            np.multiply(g, g, out=w)
            w *= 1 - b2
            v += w
            np.sqrt(v, out=w)
            w += 1e-8
            np.divide(m, w, out=w)
            w *= coef
            theta += w
