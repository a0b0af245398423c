"""A run's CSV merged into a figure's CSV of record, model by model."""

import pytest

from vae_theano.files.atomic import read_csv, write_csv
from vae_theano.paper import figure2, figure3, results


def row2(dataset, n_z, method, samples, bound):
    return dict(dataset=dataset, n_z=n_z, method=method, samples=samples, train_bound=bound, test_bound=bound - 1,
                step_size=0.01, step_scores="0.01=-1 0.02=-2 0.1=-3", sampling="with-replacement", warm_up=100)


def test_a_runs_models_replace_their_rows_and_the_others_stay(tmp_path):
    into, run = tmp_path / "results" / "figure2.csv", tmp_path / "run" / "figure2.csv"
    into.parent.mkdir(), run.parent.mkdir()
    write_csv([row2("freyface", 2, "aevb", 1500, 500.0), row2("mnist", 5, "aevb", 100, -200.0),
               row2("mnist", 5, "aevb", 200, -190.0), row2("mnist", 5, "wake-sleep", 100, -210.0)],
              figure2.FIELDS, into)
    # the run retrained MNIST N_z = 5 AEVB (fewer rows than before) and added N_z = 3 wake-sleep
    write_csv([row2("mnist", 5, "aevb", 100, -180.0), row2("mnist", 3, "wake-sleep", 100, -220.0)],
              figure2.FIELDS, run)
    assert results.merge(run, into) == [("mnist", 3, "wake-sleep"), ("mnist", 5, "aevb")]
    rows = read_csv(into)
    assert [(r["dataset"], r["n_z"], r["method"], r["samples"], r["train_bound"]) for r in rows] == [
        ("mnist", 3, "wake-sleep", 100, -220.0), ("mnist", 5, "aevb", 100, -180.0),
        ("mnist", 5, "wake-sleep", 100, -210.0), ("freyface", 2, "aevb", 1500, 500.0)]
    text = into.read_text()
    results.merge(run, into)  # merging the same run again changes nothing
    assert into.read_text() == text


def test_a_csv_of_another_figure_or_model_is_refused_before_anything_changes(tmp_path):
    into = tmp_path / "figure3.csv"
    write_csv([dict(train_size=1000, method="mcem", samples=10, train_loglik=-1.0, test_loglik=-2.0,
                    estimator="hmc-4-chains", step_size=0.1, step_scores="", sampling="epochs", warm_up=0)],
              figure3.FIELDS, into)
    before = into.read_text()
    figure2_run = tmp_path / "run2.csv"
    write_csv([row2("mnist", 5, "aevb", 100, -180.0)], figure2.FIELDS, figure2_run)
    with pytest.raises(ValueError, match="run2.csv has the columns dataset, n_z"):
        results.merge(figure2_run, into)
    unknown = tmp_path / "unknown.csv"
    write_csv([dict(read_csv(into)[0], method="gibbs")], figure3.FIELDS, unknown)
    with pytest.raises(ValueError, match="unknown.csv: a row of no model of the figure: 1000, gibbs"):
        results.merge(unknown, into)
    with pytest.raises(ValueError, match="can merge only into figure2.csv or figure3.csv, not .*run2.csv"):
        results.merge(into, figure2_run)
    assert into.read_text() == before
