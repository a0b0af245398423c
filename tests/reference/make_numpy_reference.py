"""Write tests/reference/numpy_reference.npz: reference outputs from plain NumPy.

Run from the repo root:  python tests/reference/make_numpy_reference.py

The file has the layout of ``../shared/reference/theano_reference.npz`` (the
original Theano code's outputs; see its README), for two small models, so one
test compares our model with either. Sequence per case: step 0 evaluates the
bound and its gradients on batch 0 with eps0 at the initial parameters; steps
1-3 are Adam updates (batch, eps, epoch) = (0, 1, 1), (1, 2, 1), (0, 3, 2);
then the decoder runs on ``decode/z``. Computed in float64 by
``numpy_reference.py`` beside it, which shares no code with the model.
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/, so that reference.numpy_reference imports
from reference import numpy_reference as ref  # noqa: E402

STEPS = np.array([(0, 1, 1), (1, 2, 1), (0, 3, 2)], dtype=np.int64)  # (batch, eps, epoch)

BERNOULLI = dict(continuous=False, features=16, hu_encoder=9, hu_decoder=7,
                 n_latent=3, N=20, batch_size=10, lam=0.3, seed=1000)
GAUSSIAN = dict(continuous=True, features=12, hu_encoder=8, hu_decoder=6,
                n_latent=2, N=20, batch_size=10, lam=0.3, seed=2000)
CASES = {  # the last two go beyond the original: Kingma & Ba's step count, and L = 3 samples
    "bernoulli": dict(BERNOULLI, bias_correction="epoch", n_samples=1),
    "gaussian": dict(GAUSSIAN, bias_correction="epoch", n_samples=1),
    "bernoulli_step": dict(BERNOULLI, bias_correction="step", n_samples=1),
    "gaussian_L3": dict(GAUSSIAN, bias_correction="epoch", n_samples=3),
}


def make_data(case):
    """Deterministic data: Bernoulli in [0, 1] with exact 0s and 1s; Gaussian around 0.5."""
    c = CASES[case]
    rs = np.random.RandomState(c["seed"] - 1)
    if c["continuous"]:
        return rs.normal(0.5, 0.2, (c["N"], c["features"]))
    x = rs.uniform(0, 1, (c["N"], c["features"]))
    x[x < 0.2] = 0.0
    x[x > 0.9] = 1.0
    return x


def run_sequence(x, params, eps, decode_z, batch_size, lam, b1=0.95, b2=0.999, learning_rate=0.001,
                 bias_correction="epoch", n_samples=1):
    """The reference sequence on NumPy; returns {key: array} without the case prefix.

    With n_samples = L > 1, eps_j is (L * batch, n_latent), sample-major: the
    bound mean_rows(mean_L log p(x|z) + KLD) equals the plain bound over the
    batch tiled L times, which is how it is computed here. With
    bias_correction="step", update J uses J in place of its epoch.
    """
    tile = lambda xb: np.tile(xb, (n_samples, 1))
    out = {}
    first = ref.forward_backward(params, tile(x[:batch_size]), eps[0])
    if n_samples > 1:
        rows = batch_size
        first["logpxz"] = first["logpxz"].reshape(n_samples, rows).mean(axis=0)
        for key in ("mu", "log_sigma", "KLD"):
            first[key] = first[key][:rows]
    for key in ("mu", "log_sigma", "z", "reconstructed_x", "logpxz", "KLD", "logpx"):
        out[f"step0/{key}"] = np.asarray(first[key])
    for name, g in first["grads"].items():
        out[f"step0/grad/{name}"] = g
    m = {k: np.zeros_like(p) for k, p in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    for j, (batch, e, epoch) in enumerate(STEPS, start=1):
        xb = x[batch * batch_size:(batch + 1) * batch_size]
        result = ref.forward_backward(params, tile(xb), eps[e])
        out[f"step{j}/logpx"] = np.asarray(result["logpx"])
        count = j if bias_correction == "step" else epoch
        params, m, v = ref.adam_step(params, m, v, result["grads"], count, b1, b2,
                                     learning_rate, lam, batch_size, len(x))
        for name in params:
            out[f"step{j}/params/{name}"] = params[name]
            out[f"step{j}/m/{name}"] = m[name]
            out[f"step{j}/v/{name}"] = v[name]
    out["decode/out"] = ref.decode(params, decode_z)
    return out


def make_case(case):
    c = CASES[case]
    x = make_data(case)
    params = ref.init_params(c["continuous"], c["features"], c["hu_encoder"],
                             c["hu_decoder"], c["n_latent"], seed=42)
    eps = [np.random.RandomState(c["seed"] + j).standard_normal((c["n_samples"] * c["batch_size"], c["n_latent"]))
           for j in range(4)]
    decode_z = np.random.RandomState(c["seed"] + 100).standard_normal((7, c["n_latent"]))
    out = {"x": x, "decode/z": decode_z}
    out.update({f"eps{j}": e for j, e in enumerate(eps)})
    out.update({f"init/{k}": p for k, p in params.items()})
    out.update(run_sequence(x, params, eps, decode_z, c["batch_size"], c["lam"],
                            bias_correction=c["bias_correction"], n_samples=c["n_samples"]))
    config = {"continuous": np.bool_(c["continuous"]), "lam": np.float64(c["lam"]),
              "bias_correction": np.str_(c["bias_correction"]), "n_samples": np.int64(c["n_samples"]),
              "b1": np.float64(0.95), "b2": np.float64(0.999), "learning_rate": np.float64(0.001),
              "param_names": np.array(list(params)), "steps": STEPS, "L": np.int64(c["n_samples"])}
    for key in ("hu_encoder", "hu_decoder", "n_latent", "batch_size", "N", "seed"):
        config[key] = np.int64(c[key])
    out.update({f"config/{k}": v for k, v in config.items()})
    return {f"{case}/{k}": np.asarray(v) for k, v in out.items()}


def main():
    arrays = {}
    for case in CASES:
        arrays.update(make_case(case))
    path = os.path.join(HERE, "numpy_reference.npz")
    np.savez_compressed(path, **arrays)
    print(f"wrote {len(arrays)} arrays to {path}")


if __name__ == "__main__":
    main()
