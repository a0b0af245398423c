"""Seconds per MNIST epoch on one accelerator: our JAX mode, a hand-written JAX scan, PyTorch eager.

    python benchmarks/gpu_epoch.py --out gpu_table.md      # on a GPU machine (benchmarks/gpu_check.sh)
    python benchmarks/gpu_epoch.py --rounds 2 --steps 50   # a quick look on the CPU

The model is the README's (784-400-20-400-784, ReLU, Bernoulli decoder, the
original's Adam with epoch bias correction), batch 100, float32, on 50,000
random MNIST-shaped rows. Each part runs an epoch of ``--steps`` batches in
a shuffled order, with noise drawn on the host from NumPy:

- ``vae_jax``: ``VAE(mode="JAX").update_batches(order, epoch)``, one call per
  epoch (one ``lax.scan``; the training set, parameters and moments on the
  device, the noise placed once per call);
- ``jax_scan``: the same epoch hand-written in JAX (``jax_scan_epoch.py``),
  its training set on the device too, its rows gathered there;
- ``torch_eager``: the same step in PyTorch, eager, autograd and the update
  with ``torch._foreach`` ops, one Python step per batch, on CUDA when there.

The three alternate, one epoch each per round, after one warm-up epoch each
(compilation); the table gives medians over ``--rounds`` and the ratios to
``jax_scan``. Every part's epoch ends when its bounds are on the host.
"""

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
D, HIDDEN, N_LATENT, BATCH, N = 784, 400, 20, 100, 50_000


def vae_jax(x):
    from vae_theano import VAE

    vae = VAE(False, HIDDEN, HIDDEN, N_LATENT, x, batch_size=BATCH, dtype="float32", mode="JAX")

    def epoch(number, order):
        return np.asarray(vae.update_batches(order, number))

    return vae, epoch


def jax_scan(x, params):
    import jax

    from jax_scan_epoch import initial_state, make_epoch

    run_epoch = make_epoch(BATCH, N)
    blocks = jax.device_put(x.reshape(-1, BATCH, D))
    take = jax.jit(lambda blocks, order: blocks[order])
    state = {"state": initial_state(params)}
    rng = np.random.default_rng(1)

    def epoch(number, order):
        eps = jax.device_put(rng.standard_normal((len(order), BATCH, N_LATENT), dtype=np.float32))
        x_b = take(blocks, jax.device_put(order.astype(np.int32)))
        state["state"], bounds = run_epoch(state["state"], x_b, eps, np.float32(number))
        return jax.device_get(bounds)

    return epoch


def torch_eager(x, params, b1=0.95, b2=0.999, learning_rate=0.001):
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    xt = torch.as_tensor(x, device=device)
    p = {k: torch.tensor(v, device=device, requires_grad=True) for k, v in params.items()}
    m = {k: torch.zeros_like(v) for k, v in p.items()}
    v = {k: torch.zeros_like(t) for k, t in p.items()}
    names = list(p)
    rng = np.random.default_rng(2)
    F = torch.nn.functional

    def bound(xb, eps):
        h = torch.relu(xb @ p["W_xh"] + p["b_xh"])
        mu, log_sigma = h @ p["W_hmu"] + p["b_hmu"], h @ p["W_hsigma"] + p["b_hsigma"]
        z = mu + torch.exp(0.5 * log_sigma) * eps
        a = torch.relu(z @ p["W_zh"] + p["b_zh"]) @ p["W_hx"] + p["b_hx"]
        kld = 0.5 * torch.sum(1 + log_sigma - mu ** 2 - torch.exp(log_sigma), dim=1)
        return torch.mean(torch.sum(xb * a - F.softplus(a), dim=1) + kld)

    def epoch(number, order):
        gamma = np.sqrt(1 - b2 ** number) / (1 - b1 ** number)
        eps_all = torch.as_tensor(rng.standard_normal((len(order), BATCH, N_LATENT), dtype=np.float32),
                                  device=device)
        rows_t = torch.as_tensor(order[:, None] * BATCH + np.arange(BATCH), device=device)
        bounds = []
        for i in range(len(order)):
            xb = xt[rows_t[i]]
            value = bound(xb, eps_all[i])
            grads = torch.autograd.grad(value, [p[k] for k in names])
            with torch.no_grad():
                ms, vs, ps = [m[k] for k in names], [v[k] for k in names], [p[k] for k in names]
                torch._foreach_mul_(ms, b1)
                torch._foreach_add_(ms, grads, alpha=1 - b1)
                torch._foreach_mul_(vs, b2)
                torch._foreach_addcmul_(vs, grads, grads, value=1 - b2)
                denominators = torch._foreach_add(torch._foreach_sqrt(vs), 1e-8)
                torch._foreach_addcdiv_(ps, ms, denominators, value=learning_rate * gamma)
            bounds.append(value.detach())
        return torch.stack(bounds).cpu().numpy()

    return epoch, device


def describe_devices():
    import jax

    line = f"JAX {jax.__version__} on {jax.devices()[0].device_kind}"
    try:
        import torch

        name = torch.cuda.get_device_name() if torch.cuda.is_available() else "CPU"
        line += f"; PyTorch {torch.__version__} on {name}"
    except ImportError:
        pass
    import pytensor

    return line + f"; PyTensor {pytensor.__version__}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--rounds", type=int, default=5, help="timed epochs of each part")
    p.add_argument("--steps", type=int, default=N // BATCH, help="batches per epoch")
    p.add_argument("--out", default=None, help="also write the table (Markdown) here")
    args = p.parse_args(argv)

    x = (np.random.default_rng(0).random((N, D)) < 0.5).astype(np.float32) * 0.5 + 0.25  # grey levels
    vae, model_epoch = vae_jax(x)
    params = {k: np.asarray(value) for k, value in vae.get_state().items() if k.startswith("params/")}
    params = {k[len("params/"):]: v for k, v in params.items()}
    parts = {"vae_jax": model_epoch, "jax_scan": jax_scan(x, params)}
    try:
        parts["torch_eager"], _ = torch_eager(x, params)
    except ImportError:
        print("PyTorch is not installed: torch_eager skipped", flush=True)
    rng = np.random.default_rng(3)
    times = {name: [] for name in parts}
    for name, epoch in parts.items():  # warm-up: compile at the timed length
        epoch(1, rng.permutation(N // BATCH)[:args.steps])
    for number in range(2, args.rounds + 2):
        order = rng.permutation(N // BATCH)[:args.steps]
        for name, epoch in parts.items():
            begin = time.perf_counter()
            bounds = epoch(number, order)
            times[name].append(time.perf_counter() - begin)
            assert np.all(np.isfinite(bounds)), name
        print(f"round {number - 1}: " + ", ".join(f"{n} {t[-1]:.3f} s" for n, t in times.items()), flush=True)

    base = float(np.median(times["jax_scan"]))
    rows = [f"| {name} | {np.median(t):.3f} | {np.median(t) / base:.2f} |" for name, t in times.items()]
    table = "\n".join([f"{describe_devices()}; {args.steps} steps per epoch, medians of {args.rounds} rounds",
                       "", "| part | s/epoch | / jax_scan |", "|---|---|---|", *rows])
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
