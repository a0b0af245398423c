"""The paper's own curves of figures 2 and 3, as numbers (``published/``, with their provenance),
and our values held against them at chosen sample counts."""

import csv
import math
import os

import numpy as np

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "published")
_DATASETS = {"frey": "freyface", "mnist": "mnist"}


def _read(name):
    with open(os.path.join(FOLDER, name), newline="") as f:
        return list(csv.DictReader(f))


def figure2_curves():
    """{(dataset, n_z, method): {"train": (samples, bounds), "test": (...)}}, samples ascending."""
    curves = {}
    for row in _read("figure2_paper.csv"):
        key = (_DATASETS[row["dataset"]], int(row["n_z"]), row["method"])
        curves.setdefault(key, {}).setdefault(row["part"], []).append((float(row["samples"]), float(row["bound"])))
    return {key: {part: tuple(map(np.array, zip(*sorted(points)))) for part, points in parts.items()}
            for key, parts in curves.items()}


def figure3_curves():
    """{(train_size, method): {"train": (samples, log-likelihoods), "test": (...)}}, samples ascending."""
    curves = {}
    for row in _read("figure3_paper.csv"):
        key = (int(row["train_size"]), row["method"])
        curves.setdefault(key, {}).setdefault(row["part"], []).append((float(row["samples"]), float(row["loglik"])))
    return {key: {part: tuple(map(np.array, zip(*sorted(points)))) for part, points in parts.items()}
            for key, parts in curves.items()}


def value_at(samples, values, at, log_axis=True):
    """The curve (samples ascending, values) read at ``at`` samples, interpolated linearly
    on the figure's own x axis (log10 for figure 2, linear for figure 3); NaN outside it."""
    samples, values = np.asarray(samples, dtype=float), np.asarray(values, dtype=float)
    if not len(samples) or at < samples[0] or at > samples[-1]:
        return math.nan
    x = np.log10(samples) if log_axis else samples
    return float(np.interp(math.log10(at) if log_axis else at, x, values))


def report_interval(paper_samples):
    """The samples between two of the paper's reports: the tenth percentile of the spacings of its
    digitised points (Kingma's loop reported every few seconds of wall time, so its reports sit at a
    nearly fixed spacing; where markers overlapped, the digitiser kept every second or third)."""
    spacings = np.diff(np.sort(np.asarray(paper_samples, dtype=float)))
    return float(np.percentile(spacings[spacings > 0], 10))


def reported_like_paper(samples, bounds, at, interval):
    """Our training curve as the paper's loop would have reported it at ``at`` (samples):
    the mean of the minibatch bounds since the previous report, i.e. the mean of our
    curve (samples ascending, epoch means; linear between epochs, flat before the
    first) over the ``interval`` samples up to each report, (len(at),)."""
    samples, bounds = np.asarray(samples, dtype=float), np.asarray(bounds, dtype=float)
    reported = []
    for end in np.atleast_1d(at):
        values = np.interp(np.linspace(max(end - interval, 0.0), end, 401), samples, bounds)
        reported.append(np.mean(values[1:] + values[:-1]) / 2)  # the trapezoid rule on an even grid
    return np.array(reported)


def points_header(points):
    """A table's sample-count columns: "3e5 | 1e6 | 1e7"."""
    return " | ".join(f"{p:.0e}".replace("e+0", "e") for p in points)


def signed_cell(*differences):
    """A table cell of differences in nats, "+1.2 / -0.4"; "-" where any is unknown (NaN)."""
    if any(math.isnan(d) for d in differences):
        return "-"
    return " / ".join(f"{d:+.1f}" for d in differences)
