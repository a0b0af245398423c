"""Beyond the training bound: importance-sampled log p(x), prior samples, posterior means."""

import os

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from vae_theano import VAE
from vae_theano.evaluate import mean_lower_bound
from vae_theano.evaluate import log_mean_exp


def one_latent_model(continuous):
    """A model with n_latent = 1 and weights large enough to make q(z|x) informative."""
    rs = np.random.RandomState(0)
    if continuous:
        x = rs.normal(0.5, 0.3, (20, 5))
    else:
        x = (rs.uniform(size=(20, 5)) < 0.5).astype(float)
    vae = VAE(continuous, 8, 8, 1, x, batch_size=10, dtype="float64")
    for p in vae.params.values():
        p.set_value(rs.normal(0, 0.7, p.get_value().shape))
    return vae, x


def exact_log_px(vae, x):
    """log p(x) = log integral p(x|z) N(z; 0, 1) dz by the trapezoid rule on a fine grid."""
    grid = np.linspace(-12, 12, 24001)
    xs, zs = pt.matrix("x"), pt.matrix("z")
    logpxz = pytensor.function([xs, zs], vae.decoder(xs, zs)[1], mode=vae.mode)
    out = []
    for row in x:
        log_f = logpxz(np.tile(row, (len(grid), 1)), grid[:, None]) - 0.5 * grid ** 2 - 0.5 * np.log(2 * np.pi)
        top = log_f.max()
        out.append(top + np.log(np.trapezoid(np.exp(log_f - top), grid)))
    return np.array(out)


@pytest.mark.parametrize("continuous", [False, True])
def test_log_likelihood_against_quadrature(continuous):
    vae, x = one_latent_model(continuous)
    rows = x[:6]
    exact = exact_log_px(vae, rows)
    estimate, stderr = vae.log_likelihood(rows, k=1000, seed=1, return_stderr=True)
    assert estimate.shape == stderr.shape == (6,)
    assert np.all(stderr > 0)
    assert np.all(np.abs(estimate - exact) <= 3 * stderr), (estimate - exact) / stderr

    by_k = [np.mean([vae.log_likelihood(rows, k=k, seed=s) for s in range(8)]) for k in (1, 10, 100)]
    assert by_k[0] < by_k[1] < by_k[2] <= exact.mean() + 0.05
    assert abs(estimate.mean() - exact.mean()) < abs(by_k[0] - exact.mean())


def test_log_likelihood_is_deterministic_and_bounded_in_chunks():
    vae, x = one_latent_model(False)
    a = vae.log_likelihood(x, k=300, chunk_size=7, seed=3)
    b = vae.log_likelihood(x, k=300, chunk_size=7, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (20,)
    # The estimate does not depend on how rows are chunked beyond sampling noise.
    c = vae.log_likelihood(x, k=300, chunk_size=20, seed=3)
    assert abs(a.mean() - c.mean()) < 0.5


def test_log_likelihood_is_above_the_bound_on_average():
    vae, x = one_latent_model(True)
    assert vae.log_likelihood(x, k=500).mean() > mean_lower_bound(vae, x)


def test_log_mean_exp_does_not_underflow():
    a = np.array([-1e4, -1e4 - 1.0])
    with np.errstate(divide="ignore"):
        assert np.log(np.mean(np.exp(a))) == -np.inf  # what the naive form gives
    assert log_mean_exp(a) == pytest.approx(-1e4 + np.log((1 + np.exp(-1)) / 2), abs=1e-9)
    np.testing.assert_allclose(log_mean_exp(np.full((3, 4), -1e4), axis=0), np.full(4, -1e4))
    assert log_mean_exp([1e4, 1e4]) == 1e4  # nor overflow


def test_sample_and_encode_mean(tiny_binary):
    vae = VAE(False, 5, 4, 2, tiny_binary, batch_size=10, dtype="float64")
    images = vae.sample(7, seed=0)
    assert images.shape == (7, 6) and np.all((0 <= images) & (images <= 1))
    np.testing.assert_array_equal(images, vae.sample(7, seed=0))
    assert not np.array_equal(images, vae.sample(7, seed=1))
    mu, log_sigma = vae.encode_mean(tiny_binary[:4])
    assert mu.shape == log_sigma.shape == (4, 2)
    np.testing.assert_array_equal(mu, vae.encode_mean(tiny_binary[:4])[0])  # no noise
    W, b = vae.params["W_xh"].get_value(), vae.params["b_xh"].get_value()
    h = np.maximum(tiny_binary[:4] @ W + b, 0)
    np.testing.assert_allclose(mu, h @ vae.params["W_hmu"].get_value() + vae.params["b_hmu"].get_value())


def test_bad_arguments(tiny_binary):
    vae = VAE(False, 5, 4, 2, tiny_binary, batch_size=10)
    for call, message in [(lambda: vae.sample(0), "n must be a positive integer"),
                          (lambda: vae.sample(2.5), "n must be a positive integer"),
                          (lambda: vae.log_likelihood(tiny_binary, k=0), "k must be a positive integer"),
                          (lambda: vae.log_likelihood(tiny_binary, chunk_size=0), "chunk_size"),
                          (lambda: vae.log_likelihood(tiny_binary[:, :3]), "3 features")]:
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(ValueError, match="bias_correction"):
        VAE(False, 5, 4, 2, tiny_binary, batch_size=10, bias_correction="batch")
    with pytest.raises(ValueError, match="n_samples"):
        VAE(False, 5, 4, 2, tiny_binary, batch_size=10, n_samples=0)


def test_step_count_is_kept_and_saved(tmp_path, tiny_binary):
    vae = VAE(False, 5, 4, 2, tiny_binary, batch_size=10, bias_correction="step", dtype="float64")
    for _ in range(3):
        vae.update(0, 1)
    assert vae.t.get_value() == 3
    vae.save_parameters(tmp_path)
    other = VAE(False, 5, 4, 2, tiny_binary, batch_size=10, bias_correction="step", dtype="float64")
    other.load_parameters(tmp_path)
    assert other.t.get_value() == 3
    other.set_rng_state(vae.get_rng_state())
    assert other.update(1, 1) == vae.update(1, 1)  # the 4th step, bias-corrected with t = 4
    np.testing.assert_array_equal(other.params["W_xh"].get_value(), vae.params["W_xh"].get_value())


def test_the_papers_curves_are_read_and_interpolated_on_their_own_axes():
    from vae_theano.paper.published_curves import figure2_curves, figure3_curves, value_at

    curves = figure2_curves()
    assert ("freyface", 2, "aevb") in curves and ("mnist", 200, "wake-sleep") in curves
    samples, bounds = curves["mnist", 20, "aevb"]["train"]
    assert np.all(np.diff(samples) >= 0)
    assert abs(value_at(samples, bounds, 1e7) - -104.2) < 1.0  # the paper's README: -104.2 at 10^7
    assert set(figure3_curves()) == {(n, m) for n in (1000, 50000) for m in ("aevb", "wake-sleep", "mcem")}
    # log axis: halfway between 10^6 and 10^8 on the axis is 10^7; linear axis: 5.05 x 10^7
    assert value_at([1e6, 1e8], [0.0, 2.0], 1e7) == pytest.approx(1.0)
    assert value_at([1e6, 1e8], [0.0, 2.0], 1e7, log_axis=False) == pytest.approx(9e6 / 99e6 * 2)
    assert np.isnan(value_at([1e6, 1e8], [0.0, 2.0], 1e9)) and np.isnan(value_at([], [], 1e6))


def test_the_comparison_with_the_paper_tabulates_ours_against_theirs(tmp_path):
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))
    import paper_comparison

    loop = "0.02,0.01=-218.3 0.02=-215.1 0.1=-477.4,with-replacement,100"
    (tmp_path / "figure2.csv").write_text("dataset,n_z,method,samples,train_bound,test_bound,step_size,step_scores,"
                                          f"sampling,warm_up\nmnist,20,aevb,100000,-200,-190,{loop}\n"
                                          f"mnist,20,aevb,10000000,-100,-110,{loop}\n")
    (tmp_path / "run").mkdir()  # a run of one more model, merged in first
    (tmp_path / "run" / "figure2.csv").write_text("dataset,n_z,method,samples,train_bound,test_bound,step_size,"
                                                  "step_scores,sampling,warm_up\nmnist,3,wake-sleep,3000000,-150,"
                                                  "-151.04,0.01,0.01=-1e+13,epochs,0\n")
    figure2_before = (tmp_path / "figure2.csv").read_text()
    partial = tmp_path / "partial.md"  # without the step-size block: refused before the merge is written
    partial.write_text("<!-- paper-comparison: begin -->\n<!-- paper-comparison: end -->\n")
    with pytest.raises(ValueError, match="partial.md has no <!-- step-sizes: begin -->"):
        paper_comparison.main(["--results", str(tmp_path), "--update", str(partial),
                               "--merge", str(tmp_path / "run" / "figure2.csv")])
    assert (tmp_path / "figure2.csv").read_text() == figure2_before
    report = tmp_path / "report.md"
    report.write_text("intro\n" + "".join(f"<!-- {name}: begin -->\nold\n<!-- {name}: end -->\n"
                                          for name in paper_comparison.BLOCKS) + "end\n")
    paper_comparison.main(["--results", str(tmp_path), "--at", "1e5,1e7", "--update", str(report),
                           "--merge", str(tmp_path / "run" / "figure2.csv")])
    text = report.read_text()
    assert text.startswith("intro\n") and text.endswith("end\n") and "old" not in text
    assert "| MNIST | 3 | 3.00e+06 | - | -150.0 / -151.0 |" in text  # figure 2's end table
    assert "| MNIST | 20 | 1.00e+07 | -100.0 / -110.0 | - |" in text
    assert "| figure 2, MNIST N_z = 20, aevb | 0.02 | -218.3 / -215.1 / -477.4 | with-replacement, 100 |" in text
    assert "| figure 2, MNIST N_z = 3, wake-sleep | 0.01 | -1.0e+13 / - / - | epochs, 0 |" in text
    assert "mnist,3,wake-sleep,3000000" in (tmp_path / "figure2.csv").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| MNIST N_z=20 | aevb | train |"))
    assert "| - |" in row  # the paper's curve starts after 10^5
    assert "-100.0 / -104.2 (+4.2) |" in row or "-100.0 / -104.1 (+4.1) |" in row
    # the training curve as the paper's loop reported it: the mean over the ~2.3 x 10^5 samples
    # before 10^7 of our straight line, (100 / 9.9e6) nats per sample, lies ~1.2 nats below its end
    reported = next(line for line in text.splitlines()
                    if line.startswith("| MNIST N_z=20 | aevb | 2") and "e+05 |" in line).split(" | ")
    epochs, as_paper = (float(v) for v in reported[-1].strip(" |").split(" / "))
    assert epochs in (4.1, 4.2) and 0.8 < epochs - as_paper < 1.6
    (tmp_path / "plain.md").write_text("no markers\n")
    with pytest.raises(ValueError, match="plain.md has no <!-- paper-comparison: begin -->"):
        paper_comparison.main(["--results", str(tmp_path), "--update", str(tmp_path / "plain.md")])
    assert (tmp_path / "plain.md").read_text() == "no markers\n"
