"""The paper's step-size rule, recorded with each model, and the paper's way of reporting its
training curve (the mean of the minibatch bounds since the last report)."""

import json

import numpy as np
import pytest
import scipy.integrate

from vae_theano.paper import settings
from vae_theano.paper.models import paper_step_size, saved_choice, train_model
from vae_theano.paper.published_curves import report_interval, reported_like_paper


def x_and_held():
    x = (np.random.RandomState(3).uniform(size=(200, 6)) < 0.3).astype(float)
    return x, x[:20]


def test_each_model_keeps_its_step_size_and_the_scores_that_chose_it(tmp_path):
    data = x_and_held()
    model = dict(dataset="mnist", data=data, n_latent=2, hidden=5, method="aevb", dtype="float64")
    lines = []
    chosen = train_model(tmp_path / "chosen", **model, budget=400, log=lines.append)
    history, choice = chosen.history, chosen.choice
    scores = choice["scores"]
    assert set(scores) == set(settings.STEP_SIZES)
    assert choice["step_size"] == max(settings.STEP_SIZES, key=scores.get)
    saved = json.loads((tmp_path / "chosen" / "step_size.json").read_text())
    assert saved["step_size"] == choice["step_size"] and len(saved["scores"]) == 3
    assert [line for line in lines if "step size" in line]  # chosen and said
    config = lambda lr: settings.paper_config("mnist", data[0], n_latent=2, hidden=5, method="aevb",
                                              learning_rate=lr, dtype="float64")
    again = paper_step_size(config, data[0])
    assert again["step_size"] == choice["step_size"]
    assert list(again["scores"].values()) == pytest.approx(list(saved["scores"].values()), rel=1e-12)

    lines.clear()
    again = train_model(tmp_path / "chosen", **model, budget=800, log=lines.append)
    longer, resumed = again.history, again.choice
    assert resumed == choice and not lines and longer[:2] == history  # read back, not chosen again

    fixed = train_model(tmp_path / "fixed", **model, budget=200, step_size=0.1).choice
    assert fixed == dict(step_size=0.1, scores=None)
    (tmp_path / "fixed" / "step_size.json").write_text(json.dumps(dict(step_size=0.02, scores=None)))
    with pytest.raises(ValueError, match="learning_rate: checkpoint has 0.1, this run asks for 0.02"):
        train_model(tmp_path / "fixed", **model, budget=400)


def test_reported_like_paper_is_the_mean_of_the_curve_over_each_interval_before_a_report():
    samples = np.arange(1, 201) * 5e3
    linear = 3.0 + 2e-5 * samples
    at, interval = np.array([3e5, 7.5e5, 1e6]), 2e5
    np.testing.assert_allclose(reported_like_paper(samples, linear, at, interval), 3.0 + 2e-5 * (at - interval / 2),
                               rtol=1e-12)
    curved = 100 * np.log(samples) - 3e-4 * samples
    for end in at:  # against quadrature of the same piecewise-linear curve
        want = scipy.integrate.quad(lambda s: np.interp(s, samples, curved), end - interval, end, limit=400,
                                    points=samples[(samples > end - interval) & (samples < end)][:300])[0]
        assert reported_like_paper(samples, curved, [end], interval)[0] == pytest.approx(want / interval, rel=1e-5)
    # before the first epoch the curve is held at its first value; the first report's interval starts at 0
    assert reported_like_paper(samples, linear, [2e3], 5e3)[0] == pytest.approx(linear[0])


def test_the_report_interval_is_read_through_markers_the_digitiser_skipped():
    reports = 4.6e5 * np.array([1, 2, 3, 5, 6, 9, 10, 11, 12, 14, 15, 16, 20, 21, 22])
    read = reports + 4.6e3 * np.random.RandomState(0).uniform(-1, 1, len(reports))  # read off to 1% of a step
    assert report_interval(np.r_[read, read[-1]]) == pytest.approx(4.6e5, rel=0.02)  # a point read twice too


def test_a_folder_keeps_its_step_size(tmp_path):
    """Another step size for a folder that has one is refused; a folder trained before the choice
    was kept takes its checkpoint's (without scores)."""
    data = x_and_held()
    model = dict(dataset="mnist", data=data, n_latent=2, hidden=5, method="aevb", dtype="float64")
    train_model(tmp_path / "run", **model, budget=200, step_size=0.02)
    with pytest.raises(ValueError, match="trained with step size 0.02, not the 0.1 asked for"):
        train_model(tmp_path / "run", **model, budget=400, step_size=0.1)
    (tmp_path / "run" / "step_size.json").unlink()  # as folders written before it existed
    assert saved_choice(tmp_path / "run") == dict(step_size=0.02, scores=None)
    trained = train_model(tmp_path / "run", **model, budget=400)
    history, choice = trained.history, trained.choice
    assert choice == dict(step_size=0.02, scores=None) and len(history) == 2
    assert json.loads((tmp_path / "run" / "step_size.json").read_text()) == choice
    assert saved_choice(tmp_path / "new") is None
