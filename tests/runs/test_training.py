"""The training loop and the example scripts: outputs, exact resume, guards."""

import json
import os
import sys

import matplotlib.image
import numpy as np
import pytest

from conftest import REPO
from vae_theano import VAE, datasets
from vae_theano.paper import figure2, figure3, settings
from vae_theano.paper import differences
from vae_theano.paper.differences import BASELINE_FILE
from vae_theano.runs.checkpoint import CheckpointError, load_checkpoint
from vae_theano.runs.config import RunConfig
from vae_theano.runs.training import TrainingDiverged, read_history, train

sys.path.insert(0, os.path.join(REPO, "examples"))
import evaluate as evaluate_example  # noqa: E402
import paper_figure2  # noqa: E402
import train_freyface  # noqa: E402
import train_mnist  # noqa: E402

pytestmark = pytest.mark.slow  # end-to-end training runs and the example scripts, figures included

SMALL = ["--epochs", "2", "--hidden", "16", "--n-latent", "2", "--batch-size", "50", "--dtype", "float64"]


def run_mnist(data, out, *extra):
    return train_mnist.main(SMALL + ["--data", str(data), "--out", str(out), *extra])


def synthetic_config(**settings):
    """The RunConfig of the synthetic Gaussian runs below: 200 rows of 12 values, 8-2-8 units."""
    return RunConfig(dataset="synthetic", continuous=True, N=200, features=12, hu_encoder=8, hu_decoder=8,
                     n_latent=2, batch_size=20, dtype="float64", **settings)


def assert_evaluates(run, data, says, bound=None):
    """examples/evaluate.py on the run folder ``run``: it prints ``says`` and a finite log p(x)
    above the bound (up to noise); with ``bound``, its bound is the run's last held-out one."""
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        found, log_px, stderr = evaluate_example.main([str(run), "--data", str(data), "--k", "50"])
    for words in ([says] if isinstance(says, str) else says):
        assert words in printed.getvalue(), printed.getvalue()
    assert np.isfinite(found) and np.isfinite(log_px) and log_px > found - 3 * stderr - 1
    if bound is not None:
        assert abs(found - bound) < 0.05 * abs(bound) + 5  # a fresh noise draw: close, not equal
    return found


def assert_png(path, size=(800, 800)):
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == size, path


def test_mnist_example_writes_everything(mnist_dir, tmp_path):
    out = tmp_path / "run"
    vae, history = run_mnist(mnist_dir, out)
    assert [row["epoch"] for row in history] == [1, 2]
    assert {"checkpoint.npz", "history.csv", "history.png", "samples.png", "reconstructions.png",
            "manifold.png", "latent_means.png"} <= set(os.listdir(out))
    for name in ("history.png", "samples.png", "reconstructions.png", "manifold.png", "latent_means.png"):
        assert_png(out / name)
    rows = read_history(out / "history.csv")
    assert [r["epoch"] for r in rows] == [1, 2]
    np.testing.assert_allclose([r["valid_bound"] for r in rows], [h["valid_bound"] for h in history])
    assert all(r["seconds"] > 0 for r in rows)


def test_freyface_example_writes_everything(frey_dir, tmp_path):
    out = tmp_path / "run"
    vae, history = train_freyface.main(SMALL + ["--data", str(frey_dir), "--out", str(out), "--held-out", "30"])
    assert vae.continuous and len(history) == 2
    for name in ("history.png", "samples.png", "reconstructions.png", "manifold.png"):
        assert_png(out / name)
    assert "latent_means.png" not in os.listdir(out)  # no labels for faces
    assert np.isfinite(history[-1]["valid_bound"])
    assert_evaluates(out, frey_dir, "freyface validation set, 30 rows", history[-1]["valid_bound"])


def test_resume_gives_exactly_the_uninterrupted_numbers(mnist_dir, tmp_path):
    straight, straight_history = run_mnist(mnist_dir, tmp_path / "straight", "--epochs", "4")
    run_mnist(mnist_dir, tmp_path / "resumed", "--epochs", "2")
    resumed, resumed_history = run_mnist(mnist_dir, tmp_path / "resumed", "--epochs", "4")
    strip = lambda h: [(r["epoch"], r["train_bound"], r["valid_bound"]) for r in h]
    assert strip(resumed_history) == strip(straight_history)
    for key, value in straight.get_state().items():
        np.testing.assert_array_equal(resumed.get_state()[key], value, err_msg=key)
    assert resumed.get_rng_state() == straight.get_rng_state()


class Crash(Exception):
    pass


def test_crash_mid_epoch_and_mid_save_then_resume(mnist_dir, tmp_path, monkeypatch):
    """Die during epoch 3, then during the save after epoch 3; resume; same numbers."""
    _, straight = run_mnist(mnist_dir, tmp_path / "straight", "--epochs", "4")
    out = tmp_path / "crashy"
    run_mnist(mnist_dir, out, "--epochs", "2")

    real_update = VAE.update_batches  # the training loop's call, a chunk of the epoch each
    calls = []

    def dying_update(self, batches, epoch):
        calls.append(epoch)
        if epoch == 3 and calls.count(3) == 3:
            raise Crash("killed mid-epoch")
        return real_update(self, batches, epoch)

    monkeypatch.setattr(VAE, "update_batches", dying_update)
    with pytest.raises(Crash):
        run_mnist(mnist_dir, out, "--epochs", "4")
    monkeypatch.setattr(VAE, "update_batches", real_update)

    real_savez = np.savez

    def dying_savez(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise Crash("killed mid-save")

    monkeypatch.setattr(np, "savez", dying_savez)
    with pytest.raises(Crash):
        run_mnist(mnist_dir, out, "--epochs", "4")
    monkeypatch.setattr(np, "savez", real_savez)
    assert len(load_checkpoint(out / "checkpoint.npz")[1]["history"]) == 2  # still whole
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]

    _, resumed = run_mnist(mnist_dir, out, "--epochs", "4")
    strip = lambda h: [(r["epoch"], r["train_bound"], r["valid_bound"]) for r in h]
    assert strip(resumed) == strip(straight)


def test_checkpoint_every_writes_less_often_and_resumes_exactly(tmp_path, monkeypatch):
    """checkpoint_every=1e9: one write, after the last epoch; the run resumes from it to the
    same numbers as a run that wrote after every epoch."""
    from vae_theano.runs import training
    x = np.random.RandomState(0).normal(0.5, 0.2, (200, 12))
    config = synthetic_config()
    build = lambda: VAE(True, 8, 8, 2, x, batch_size=20, dtype="float64")
    writes = []
    save = training.save_checkpoint
    monkeypatch.setattr(training, "save_checkpoint",
                        lambda path, vae, meta, *a: (writes.append(len(meta["history"])), save(path, vae, meta, *a)))
    sparse = build()
    train(sparse, x[:50], 3, tmp_path / "sparse", config, log=lambda s: None, checkpoint_every=1e9)
    assert writes == [3]
    assert [r["epoch"] for r in read_history(tmp_path / "sparse" / "history.csv")] == [1, 2, 3]
    writes.clear()
    resumed = build()
    history = train(resumed, x[:50], 5, tmp_path / "sparse", config, log=lambda s: None, checkpoint_every=1e9)
    assert writes == [5]
    straight = build()
    straight_history = train(straight, x[:50], 5, tmp_path / "straight", config, log=lambda s: None)
    assert writes == [5, 1, 2, 3, 4, 5]
    assert [(r["train_bound"], r["valid_bound"]) for r in history] == \
        [(r["train_bound"], r["valid_bound"]) for r in straight_history]
    for key, value in straight.get_state().items():
        np.testing.assert_array_equal(resumed.get_state()[key], value, err_msg=key)


def test_truncated_checkpoint_is_detected(mnist_dir, tmp_path):
    out = tmp_path / "run"
    run_mnist(mnist_dir, out, "--epochs", "1")
    path = out / "checkpoint.npz"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(CheckpointError, match="corrupt or truncated checkpoint"):
        run_mnist(mnist_dir, out)


def test_checkpoint_of_another_configuration_is_refused(mnist_dir, tmp_path):
    out = tmp_path / "run"
    run_mnist(mnist_dir, out, "--epochs", "1")
    with pytest.raises(CheckpointError, match="hu_encoder: checkpoint has 16, this run asks for 8"):
        run_mnist(mnist_dir, out, "--hu-encoder", "8")
    _, history = run_mnist(mnist_dir, out, "--hu-encoder", "8", "--fresh", "--epochs", "1")
    assert len(history) == 1


def test_nan_guard_keeps_the_last_good_checkpoint(tmp_path):
    rs = np.random.RandomState(0)
    x = rs.normal(0.5, 0.2, (200, 12))
    config = synthetic_config()  # the diverging model's too: it resumes the good one's run
    good = VAE(True, 8, 8, 2, x, batch_size=20, dtype="float64")
    train(good, x[:50], 2, tmp_path, config, log=lambda s: None)
    absurd = VAE(True, 8, 8, 2, x, batch_size=20, learning_rate=1e6, dtype="float64")
    with pytest.raises(TrainingDiverged, match=r"at epoch 3, batch \d+ .*after epoch 2\) is kept"):
        train(absurd, x[:50], 5, tmp_path, config, log=lambda s: None)
    state, meta = load_checkpoint(tmp_path / "checkpoint.npz")
    assert len(meta["history"]) == 2
    for key, value in good.get_state().items():
        np.testing.assert_array_equal(state[key], value)


def test_evaluate_example(mnist_dir, tmp_path, capsys):
    out = tmp_path / "run"
    run_mnist(mnist_dir, out)
    bound, log_px, stderr = evaluate_example.main([str(out), "--data", str(mnist_dir), "--k", "50"])
    assert np.isfinite(bound) and stderr > 0
    assert log_px > bound - 3 * stderr  # the estimate sits above the bound (up to noise)
    printed = capsys.readouterr().out
    assert "mnist test set, 50 rows: lower bound" in printed and "log p(x) ~=" in printed
    with pytest.raises(FileNotFoundError, match="holds no checkpoint.npz"):
        evaluate_example.main([str(tmp_path / "nothing")])


def test_figure2_example(mnist_dir, frey_dir, tmp_path, monkeypatch):
    """Both methods, both data sets, the paper's settings at a tiny size; resumable by budget."""
    monkeypatch.setitem(settings.FIGURE2, "mnist", dict(settings.FIGURE2["mnist"], hidden=8, latents=(2, 5)))
    monkeypatch.setitem(settings.FIGURE2, "freyface", dict(settings.FIGURE2["freyface"], hidden=8, latents=(2,)))
    monkeypatch.setitem(settings.FREY_SPLIT, "held_out", 30)  # of the tiny set's 130 faces
    out = tmp_path / "fig"
    args = ["--data", str(mnist_dir), "--out", str(out), "--dtype", "float64"]
    rows = paper_figure2.main(["--budget", "400", "--latents", "2", *args])
    assert {(r["dataset"], r["n_z"], r["method"]) for r in rows} == {
        (d, 2, m) for d in ("mnist", "freyface") for m in ("aevb", "wake-sleep")}
    assert [r["samples"] for r in rows if r["dataset"] == "mnist" and r["n_z"] == 2 and r["method"] == "aevb"] \
        == [200, 400]  # 200 training images, M = 100
    assert len([r for r in rows if r["dataset"] == "freyface"]) == 8  # 4 epochs of 100 faces, two methods
    assert all(np.isfinite([r["train_bound"] for r in rows] + [r["test_bound"] for r in rows]))
    assert matplotlib.image.imread(out / "figure2.png").shape[:2] == (640, 660)  # a panel per N_z
    text = (out / "figure2.csv").read_text().splitlines()
    assert text[0] == "dataset,n_z,method,samples,train_bound,test_bound,step_size,step_scores,sampling,warm_up"
    assert len(text) == 13
    assert {(r["sampling"], r["warm_up"]) for r in rows} == {("with-replacement", 100)}  # the paper's: Kingma's loop
    assert all(r["step_size"] in settings.STEP_SIZES and len(r["step_scores"].split()) == 3 for r in rows)
    assert paper_figure2.main(["--budget", "400", "--latents", "2", *args]) == rows  # nothing left to train
    more = paper_figure2.main(["--budget", "mnist=600", "--datasets", "mnist", "--latents", "2", *args])
    assert [r["samples"] for r in more if r["method"] == "aevb"] == [200, 400, 600]  # continued
    assert more[:2] == [r for r in rows if r["dataset"] == "mnist" and r["n_z"] == 2 and r["method"] == "aevb"]

    with pytest.raises(ValueError, match="--budget 'mnist=600': needs a positive number for mnist, freyface"):
        paper_figure2.main(["--budget", "mnist=600", *args])
    with pytest.raises(ValueError, match="--budget: a number or name=number"):
        paper_figure2.main(["--budget", "lots", *args])
    rows = [dict(samples=s) for s in range(100, 1001, 100)]
    assert [r["samples"] for r in figure2.thinned(rows, 4)] == [100, 200, 400, 600, 1000]
    # Figures 4 and 5 from the same folders: the N_z = 2 models are figure 2's, N_z = 5 is trained anew.
    import paper_figures45

    monkeypatch.setattr(settings, "FIGURE5_LATENTS", (2, 5))
    before = (out / "mnist_nz2_aevb" / "checkpoint.npz").read_bytes()
    figure4, figure5 = paper_figures45.main(["--budget", "400", *args])
    assert (out / "mnist_nz2_aevb" / "checkpoint.npz").read_bytes() == before
    assert os.path.exists(out / "mnist_nz5_aevb" / "checkpoint.npz")
    manifolds, samples = matplotlib.image.imread(figure4), matplotlib.image.imread(figure5)
    assert manifolds.shape[:2] == (640, 1200) and samples.shape[:2] == (440, 800)
    assert manifolds[..., :3].std() > 0.05 and samples[..., :3].std() > 0.05  # pictures, not blank
    os.remove(figure5)
    assert paper_figures45.main(["--budget", "400", "--figures", "4", *args]) == [figure4]
    assert not os.path.exists(figure5)

    # Every model folder of the figures is a run that examples/evaluate.py evaluates,
    # and so is one written by the paper's runners before the runs shared one configuration.
    assert_evaluates(out / "mnist_nz2_wake-sleep", mnist_dir, "mnist test set, 50 rows")
    frey = assert_evaluates(out / "freyface_nz2_aevb", frey_dir, ("freyface validation set, 30 rows:", "(aevb, N_z = 2)"))
    path = out / "freyface_nz2_aevb" / "checkpoint.npz"
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["meta"]))
    config = meta["config"]
    meta["config"] = dict(n_latent=2, hidden=8, method="aevb", dtype="float64", N=100,
                          learning_rate=config["learning_rate"], lam=1.0, seed=42, activation="tanh",
                          optimizer="adagrad", bounded_mean=True)  # the old paper schema
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    # (the old runners trained Frey Face on the original split, the first faces, the last held out, and
    # in the original's loop)
    assert RunConfig.from_saved(meta["config"]).to_dict() == dict(config, split_seed=None, sampling="epochs",
                                                                  warm_up=0)
    assert assert_evaluates(out / "freyface_nz2_aevb", frey_dir, "freyface validation set, 30 rows") != frey
    assert config["split_seed"] == settings.FREY_SPLIT["seed"] and config["N"] == 100  # the paper's split


def test_dynamic_binarisation_redraws_every_epoch_and_resumes_exactly(mnist_dir, tmp_path):
    vae, straight = run_mnist(mnist_dir, tmp_path / "straight", "--binarize", "dynamic", "--epochs", "3")
    x = vae.x_train.get_value()
    assert set(np.unique(x)) == {0.0, 1.0}
    run_mnist(mnist_dir, tmp_path / "resumed", "--binarize", "dynamic", "--epochs", "2")
    resumed_vae, resumed = run_mnist(mnist_dir, tmp_path / "resumed", "--binarize", "dynamic", "--epochs", "3")
    np.testing.assert_array_equal(resumed_vae.x_train.get_value(), x)
    assert [r["valid_bound"] for r in resumed] == [r["valid_bound"] for r in straight]
    first_epoch = run_mnist(mnist_dir, tmp_path / "one", "--binarize", "dynamic", "--epochs", "1")[0]
    assert not np.array_equal(first_epoch.x_train.get_value(), x)  # a fresh draw each epoch


def test_command_line_errors_are_one_line(tmp_path):
    import subprocess

    script = os.path.join(os.path.dirname(train_mnist.__file__), "train_mnist.py")
    result = subprocess.run([sys.executable, script, "--data", str(tmp_path / "nowhere"), "--out",
                             str(tmp_path / "run")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("error: MNIST: ") and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_papers_options_from_the_command_line(frey_dir, tmp_path):
    """tanh, Adagrad and the bounded mean reach the model; a resume with other
    options is refused; a checkpoint without these settings means the original's."""
    out = tmp_path / "run"
    paper = ["--activation", "tanh", "--optimizer", "adagrad", "--learning-rate", "0.02", "--bounded-mean"]
    vae, history = train_freyface.main(SMALL + ["--data", str(frey_dir), "--out", str(out), "--held-out", "30",
                                                *paper])
    assert (vae.activation, vae.optimizer, vae.bounded_mean) == ("tanh", "adagrad", True)
    assert len(history) == 2 and np.all(np.isfinite([h["valid_bound"] for h in history]))
    with pytest.raises(CheckpointError, match="activation: checkpoint has 'tanh', this run asks for 'relu'"):
        train_freyface.main(SMALL + ["--data", str(frey_dir), "--out", str(out), "--held-out", "30"])
    config = load_checkpoint(out / "checkpoint.npz")[1]["config"]
    first = {k: v for k, v in config.items()  # as the first checkpoints were written
             if k not in ("bias_correction", "n_samples", "activation", "optimizer", "bounded_mean", "method")}
    original = dict(config, activation="relu", optimizer="adam", bounded_mean=False)
    assert RunConfig.from_saved(first) == RunConfig.from_saved(original)


def test_figure3_example(mnist_dir, tmp_path):
    """All three methods on two training-set sizes at a tiny budget; reruns continue, never repeat."""
    import paper_figure3

    out = tmp_path / "fig3"
    args = ["--data", str(mnist_dir), "--out", str(out), "--dtype", "float64", "--chains", "2", "--prior-starts", "50"]
    rows = paper_figure3.main(["--budget", "400", "--train-sizes", "100", *args])
    assert {(r["train_size"], r["method"]) for r in rows} == {(100, m) for m in ("aevb", "wake-sleep", "mcem")}
    # 100 * 10^(k/4) samples, rounded up to epochs of 100: 100, 178, 316 -> 100, 200, 400
    assert [r["samples"] for r in rows if r["train_size"] == 100 and r["method"] == "mcem"] == [100, 200, 400]
    assert all(r["estimator"] == "hmc-2-chains" and np.isfinite(r["train_loglik"]) and r["test_loglik"] < 0
               for r in rows)
    text = (out / "figure3.csv").read_text().splitlines()
    assert text[0] == ("train_size,method,samples,train_loglik,test_loglik,estimator,step_size,step_scores,"
                       "sampling,warm_up")
    assert len(text) == len(rows) + 1 and all(r["step_size"] in settings.STEP_SIZES for r in rows)
    assert {(r["method"], r["sampling"], r["warm_up"]) for r in rows} == {
        ("aevb", "with-replacement", 100), ("wake-sleep", "with-replacement", 100), ("mcem", "epochs", 0)}
    assert paper_figure3.main(["--budget", "400", "--train-sizes", "100", *args]) == rows  # nothing redone
    both = paper_figure3.main(["--budget", "200", "--train-sizes", "100,200", "--methods", "aevb", *args])
    assert [(r["train_size"], r["samples"]) for r in both] == [(100, 100), (100, 200), (200, 200)]
    assert figure3.points(1e6, 4, 1000) == [100000, 178000, 317000, 563000, 1000000]
    assert figure3.points(3.2e6, 4, 1000)[:5] == figure3.points(1e6, 4, 1000)  # only adds
    assert matplotlib.image.imread(out / "figure3.png").shape[:2] == (380, 900)  # a panel per size
    # Estimates lost (or made by another estimator) cannot be redone where the model trained past them.
    (out / "n100_aevb" / figure3.ROWS_FILE).write_text(
        '[{"train_size": 100, "method": "aevb", "samples": 100, "train_loglik": 0, "test_loglik": 0, "estimator": "hmc"}]')
    redone = paper_figure3.main(["--budget", "400", "--train-sizes", "100", "--methods", "aevb", *args])
    assert [r["samples"] for r in redone] == [400] and redone[0]["estimator"] == "hmc-2-chains"
    assert_evaluates(out / "n100_mcem", mnist_dir, ("mnist test set, 50 rows:", "(mcem, N_z = 3)"))  # method state aside
    assert_evaluates(out / "n200_aevb", mnist_dir, ("mnist test set, 50 rows:", "(aevb, N_z = 3)"))  # the first 200 images
    with pytest.raises(ValueError, match="--chains must be at least 1 and at most --prior-starts \\+ 1, got 5 and 3"):
        paper_figure3.main([*args, "--chains", "5", "--prior-starts", "3"])


def run_cli(main, argv, monkeypatch):
    """What a command line prints when ``main`` ends it: the SystemExit message of ``cli``."""
    from vae_theano.runs.cli import cli

    monkeypatch.setattr(sys, "argv", ["example.py", *argv])
    with pytest.raises(SystemExit) as info:
        cli(main)
    return str(info.value.code)


@pytest.mark.parametrize("fails", ["checkpoint", "picture"])
def test_a_full_disk_ends_in_one_line_and_keeps_the_last_checkpoint(fails, mnist_dir, tmp_path, monkeypatch):
    import errno

    import matplotlib.figure

    out = tmp_path / "run"
    run_mnist(mnist_dir, out, "--epochs", "1")
    good = (out / "checkpoint.npz").read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if fails == "checkpoint":
        monkeypatch.setattr(np, "savez", full)
    else:
        monkeypatch.setattr(matplotlib.figure.Figure, "savefig", full)
    message = run_cli(train_mnist.main, SMALL + ["--data", str(mnist_dir), "--out", str(out)], monkeypatch)
    name = "checkpoint.npz" if fails == "checkpoint" else "history.png"
    assert message == (f"error: could not write {out / name}: No space left on device; "
                       f"the last good checkpoint is kept")
    assert (out / "checkpoint.npz").read_bytes() == good or fails == "picture"
    assert len(load_checkpoint(out / "checkpoint.npz")[1]["history"]) == (1 if fails == "checkpoint" else 2)
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]


def test_out_naming_a_file_is_refused_before_anything_loads(tmp_path, monkeypatch):
    (tmp_path / "taken").write_text("not a folder")
    argv = ["--data", str(tmp_path / "no data here"), "--out", str(tmp_path / "taken")]  # data would fail second
    for main in (train_mnist.main, train_freyface.main, paper_figure2.main):
        assert run_cli(main, argv, monkeypatch) == \
            f"error: {tmp_path / 'taken'} is a file, not a folder: give the run another --out"
    assert (tmp_path / "taken").read_text() == "not a folder"


def test_freyface_with_a_random_held_out_set(frey_dir, tmp_path):
    """--split-seed: the faces shuffled with that seed, the last --held-out held out; recorded
    in the run's configuration, and evaluate.py evaluates on the same faces."""
    out = tmp_path / "run"
    argv = SMALL + ["--data", str(frey_dir), "--out", str(out), "--split-seed", "1", "--held-out", "20"]
    vae, history = train_freyface.main(argv)
    config = RunConfig.from_saved(load_checkpoint(out / "checkpoint.npz")[1]["config"])
    assert (config.split_seed, config.N, vae.N) == (1, 110, 110)
    shuffled = datasets.load_freyface(frey_dir, seed=1, n_train=110)
    np.testing.assert_array_equal(vae.x_train.get_value(), shuffled[0])
    assert not np.array_equal(shuffled[1], datasets.load_freyface(frey_dir, held_out=20)[1])
    assert_evaluates(out, frey_dir, "freyface validation set, 20 rows", history[-1]["valid_bound"])


def test_paper_differences_example(mnist_dir, tmp_path, monkeypatch, capsys):
    """examples/paper_differences.py: each experiment trains in a folder of its own with its one
    change and its step size recorded; a later run's rows join differences.csv beside the earlier ones."""
    import paper_differences
    from vae_theano.files.atomic import read_csv, write_csv

    monkeypatch.setitem(settings.FIGURE2, "mnist", dict(settings.FIGURE2["mnist"], hidden=8))
    out = tmp_path / "differences"
    args = ["--data", str(mnist_dir), "--out", str(out), "--budget", "400"]
    paper_differences.main([*args, "--experiments", "mnist5-lr0.02,mnist5-kingma-loop"])
    # as written before the loop columns: the next run gives its rows their experiments' loops
    fields = [f for f in differences.FIELDS if f not in ("sampling", "warm_up")]
    write_csv(read_csv(out / "differences.csv"), fields, out / "differences.csv")
    paper_differences.main([*args, "--experiments", "mnist5-no-prior,mnist5-binary"])
    rows = read_csv(out / "differences.csv")
    curves = {name: [(r["train_bound"], r["test_bound"]) for r in rows if r["experiment"] == name]
              for name in ("mnist5-lr0.02", "mnist5-kingma-loop", "mnist5-no-prior", "mnist5-binary")}
    assert all(len(c) == 2 for c in curves.values())  # 400 samples: two epochs of 200 images
    assert len({tuple(c) for c in curves.values()}) == 4  # each changed something
    steps = {r["experiment"]: (r["step_size"], r["step_scores"]) for r in rows}
    assert steps["mnist5-lr0.02"] == (0.02, "")  # fixed, not chosen
    scores = dict(item.split("=") for item in steps["mnist5-kingma-loop"][1].split())
    assert set(scores) == {"0.01", "0.02", "0.1"} and steps["mnist5-kingma-loop"][0] == float(
        max(scores, key=lambda k: float(scores[k])))
    saved = RunConfig.from_saved(load_checkpoint(out / "mnist5-kingma-loop" / "checkpoint.npz")[1]["config"])
    assert (saved.sampling, saved.warm_up, saved.lam) == ("with-replacement", 100, 1.0)
    loops = {r["experiment"]: (r["sampling"], r["warm_up"]) for r in rows}
    assert loops["mnist5-lr0.02"] == ("epochs", 0) and loops["mnist5-kingma-loop"] == ("with-replacement", 100)
    assert RunConfig.from_saved(load_checkpoint(out / "mnist5-no-prior" / "checkpoint.npz")[1]["config"]).lam == 0
    assert json.loads((out / "mnist5-kingma-loop" / "step_size.json").read_text())["scores"] is not None
    # --table: each experiment against figure 2's model of its panel in the original's loop (here a copy
    # of one, 1 and 2 nats lower)
    baseline = [dict(r, train_bound=r["train_bound"] - 1.0, test_bound=r["test_bound"] - 2.0)
                for r in rows if r["experiment"] == "mnist5-lr0.02"]
    write_csv(baseline, figure2.FIELDS, out / BASELINE_FILE)
    text = paper_differences.main(["--table", "--results", str(out), "--at", "200,400,1e6"])
    row = next(line for line in text.splitlines() if "mnist5-lr0.02 |" in line)
    assert row.endswith("| 0.02 | +1.0 / +2.0 | +1.0 / +2.0 | - | 4e+02: - / - |")  # the paper's starts later
    paper_differences.main(["--list"])
    assert "mnist5-kingma-loop" in capsys.readouterr().out
    with pytest.raises(ValueError, match="--experiments: mnist5-lr1; choose from"):
        paper_differences.main([*args, "--experiments", "mnist5-lr1"])


def test_kingmas_loop_from_the_command_line(mnist_dir, tmp_path, monkeypatch):
    """--sampling and --warm-up reach the run's configuration, from the training examples and from
    paper_figure2.py, and a resume with the original's loop is refused."""
    out = tmp_path / "run"
    run_mnist(mnist_dir, out, "--sampling", "with-replacement", "--warm-up", "3", "--epochs", "1")
    saved = RunConfig.from_saved(load_checkpoint(out / "checkpoint.npz")[1]["config"])
    assert (saved.sampling, saved.warm_up) == ("with-replacement", 3)
    with pytest.raises(CheckpointError, match="sampling: checkpoint has 'with-replacement', this run asks for 'epo"):
        run_mnist(mnist_dir, out, "--warm-up", "3")

    monkeypatch.setitem(settings.FIGURE2, "mnist", dict(settings.FIGURE2["mnist"], hidden=8))
    figure = tmp_path / "figure2"
    paper_figure2.main(["--budget", "400", "--datasets", "mnist", "--latents", "3", "--methods", "aevb",
                        "--sampling", "shuffled-rows", "--warm-up", "2", "--data", str(mnist_dir),
                        "--out", str(figure)])
    saved = RunConfig.from_saved(load_checkpoint(figure / "mnist_nz3_aevb" / "checkpoint.npz")[1]["config"])
    assert (saved.sampling, saved.warm_up, saved.optimizer) == ("shuffled-rows", 2, "adagrad")
