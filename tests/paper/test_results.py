"""A run's CSV merged into a figure's CSV of record, model by model."""

import pytest

from vae_theano.files.atomic import read_csv, write_csv
from vae_theano.paper import figure2, figure3, results


def row2(dataset, n_z, method, samples, bound):
    return dict(dataset=dataset, n_z=n_z, method=method, samples=samples, train_bound=bound, test_bound=bound - 1,
                step_size=0.01, step_scores="0.01=-1 0.02=-2 0.1=-3", sampling="with-replacement", warm_up=100)


def row3(size, method, samples, loglik):
    return dict(train_size=size, method=method, samples=samples, train_loglik=loglik, test_loglik=loglik - 1,
                estimator="hmc-4-chains", step_size=0.1, step_scores="", sampling="epochs", warm_up=0)


def test_a_runs_models_replace_their_rows_and_the_others_stay(tmp_path):
    into, run = tmp_path / "results" / "figure2.csv", tmp_path / "run" / "figure2.csv"
    into.parent.mkdir(), run.parent.mkdir()
    write_csv([row2("freyface", 2, "aevb", 1500, 500.0), row2("mnist", 5, "aevb", 100, -200.0),
               row2("mnist", 5, "aevb", 200, -190.0), row2("mnist", 5, "wake-sleep", 100, -210.0)],
              figure2.FIELDS, into)
    # the run retrained MNIST N_z = 5 AEVB (fewer rows than before) and added N_z = 3 wake-sleep
    write_csv([row2("mnist", 5, "aevb", 100, -180.0), row2("mnist", 3, "wake-sleep", 300, -220.0),
               row2("mnist", 3, "wake-sleep", 100, -230.0)], figure2.FIELDS, run)
    rows, models = results.merged(run, into)
    assert models == [("mnist", 3, "wake-sleep"), ("mnist", 5, "aevb")]
    assert [(r["dataset"], r["n_z"], r["method"], r["samples"], r["train_bound"]) for r in rows] == [
        ("mnist", 3, "wake-sleep", 100, -230.0), ("mnist", 3, "wake-sleep", 300, -220.0),
        ("mnist", 5, "aevb", 100, -180.0), ("mnist", 5, "wake-sleep", 100, -210.0),
        ("freyface", 2, "aevb", 1500, 500.0)]
    results.write(rows, into)
    text = into.read_text()
    results.write(results.merged(run, into)[0], into)  # merging the same run again changes nothing
    assert into.read_text() == text


def test_figure_3_merges_into_a_new_csv_and_a_second_run_onto_the_first(tmp_path):
    into, first, second = tmp_path / "figure3.csv", tmp_path / "a.csv", tmp_path / "b.csv"
    write_csv([row3(50000, "aevb", 10, -150.0), row3(1000, "mcem", 10, -140.0)], figure3.FIELDS, first)
    write_csv([row3(1000, "aevb", 10, -130.0), row3(50000, "aevb", 20, -120.0)], figure3.FIELDS, second)
    rows, _ = results.merged(first, into)  # into does not exist yet
    rows, models = results.merged(second, into, rows)
    assert models == [(1000, "aevb"), (50000, "aevb")] and not into.exists()
    assert [(r["train_size"], r["method"], r["samples"]) for r in rows] == [
        (1000, "aevb", 10), (1000, "mcem", 10), (50000, "aevb", 20)]


@pytest.mark.parametrize("change, message", [
    (dict(method="mcem"), "a row of no model of figure2.csv .*: mnist, 5, mcem, 100"),
    (dict(n_z=7), "a row of no model of figure2.csv .*: mnist, 7, aevb, 100"),
    (dict(samples=""), r"a row of no model of figure2.csv \(or without a number of samples\): mnist, 5, aevb, $"),
])
def test_a_row_of_no_model_of_the_figure_is_refused(tmp_path, change, message):
    run = tmp_path / "run.csv"
    write_csv([dict(row2("mnist", 5, "aevb", 100, -1.0), **change)], figure2.FIELDS, run)
    with pytest.raises(ValueError, match=message):
        results.merged(run, tmp_path / "figure2.csv")


def test_a_csv_of_another_figure_is_refused_before_anything_changes(tmp_path):
    into = tmp_path / "figure3.csv"
    write_csv([row3(1000, "mcem", 10, -1.0)], figure3.FIELDS, into)
    before = into.read_text()
    figure2_run = tmp_path / "run2.csv"
    write_csv([row2("mnist", 5, "aevb", 100, -180.0)], figure2.FIELDS, figure2_run)
    with pytest.raises(ValueError, match="run2.csv has the columns dataset, n_z"):
        results.merged(figure2_run, into)
    with pytest.raises(ValueError, match="can merge only into figure2.csv or figure3.csv, not .*run2.csv"):
        results.merged(into, figure2_run)
    assert into.read_text() == before
