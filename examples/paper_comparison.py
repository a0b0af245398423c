"""Our figures 2 and 3 held against the paper's own curves: a Markdown table per figure.

    python examples/paper_comparison.py                                  # examples/results
    python examples/paper_comparison.py --results runs/figure2 --draw    # and redraw the PNGs
    python examples/paper_comparison.py --update REPRODUCTION.md         # rewrite its tables
    python examples/paper_comparison.py --merge runs/figure3/figure3.csv --update REPRODUCTION.md --draw

Reads figure2.csv and figure3.csv (as paper_figure2.py and paper_figure3.py
write them) from --results, and the paper's curves (vae_theano/paper/published,
read off the PDF's vector graphics, +-1 nat). Each row is one curve (panel,
method, train or test): ours / the paper's and ours minus the paper's at each
of --at samples, and at the furthest point we reached. Values between points
are interpolated on the figure's own x axis (log for figure 2, and for our
figure 3; linear for the paper's figure 3); "-" where a curve does not reach.
Two more tables come from figure2.csv and figure3.csv alone: figure 2's bounds
at the end of each model, and every model's step size with the scores that
chose it. With --update, each table goes into its block of the Markdown file
(<!-- name: begin --> ... <!-- name: end -->, the names in BLOCKS). With
--merge, a run's CSV (of some of a figure's models) first replaces those
models' rows in --results's CSV of that figure (vae_theano.paper.results).
With --draw, figure2.png and figure3.png are redrawn from the CSVs with the
paper's curves faint behind ours.
"""

import argparse
import math
import os

from vae_theano.files.atomic import read_csv
from vae_theano.files.markdown import check_blocks, replace_blocks
from vae_theano.paper import figure2, figure3, results, settings
from vae_theano.paper.models import parse_step_scores
from vae_theano.paper.published_curves import (figure2_curves, figure3_curves, points_header, report_interval,
                                               reported_like_paper, signed_cell, value_at)
from vae_theano.runs.cli import cli

# REPRODUCTION.md's blocks (<!-- name: begin --> ... <!-- name: end -->), each rewritten by --update
BLOCKS = ("paper-comparison", "figure2-end", "step-sizes")


def cell(ours, paper):
    """A cell "ours / the paper's (the difference)", nats; "-" where either is unknown (NaN)."""
    if math.isnan(ours) or math.isnan(paper):
        return "-"
    return f"{ours:.1f} / {paper:.1f} ({ours - paper:+.1f})"


def table(title, curves, points, paper_log_axis):
    """Markdown rows: curves {(panel, method): {part: ((samples, values) ours, (samples, values) paper)}}."""
    head = points_header(points)
    lines = [f"**{title}** (ours / the paper's (difference), nats)", "",
             f"| panel | method | part | {head} | furthest we reached |",
             "|---|---|---|" + "---|" * len(points) + "---|"]
    for (panel, method), parts in curves.items():
        for part in ("train", "test"):
            if part not in parts:
                continue
            (ours_x, ours_y), (paper_x, paper_y) = parts[part]
            cells = [cell(value_at(ours_x, ours_y, p), value_at(paper_x, paper_y, p, paper_log_axis))
                     for p in points]
            last = ours_x[-1]
            furthest = f"{last:.2g}: " + cell(ours_y[-1], value_at(paper_x, paper_y, last, paper_log_axis))
            lines.append(f"| {panel} | {method} | {part} | " + " | ".join(cells) + f" | {furthest} |")
    return "\n".join(lines)


def figure2_table(rows, points):
    paper = figure2_curves()
    curves = {}
    for (name, n_z, method) in sorted({(r["dataset"], r["n_z"], r["method"]) for r in rows}):
        mine = sorted((r for r in rows if (r["dataset"], r["n_z"], r["method"]) == (name, n_z, method)),
                      key=lambda r: r["samples"])
        published = paper.get((name, n_z, method), {})
        curves[f"{settings.TITLES[name]} N_z={n_z}", method] = {
            part: (([r["samples"] for r in mine], [r[f"{part}_bound"] for r in mine]), published[part])
            for part in ("train", "test") if part in published}
    return table("Figure 2: the lower bound", curves, points, paper_log_axis=True)


def reporting_table(rows, points):
    """Figure 2's training curves as the paper's loop reported them (the mean of the minibatch
    bounds since the previous report, ``published_curves.reported_like_paper``) at each
    point, with the paper's spacing of reports, against our epoch means: how much of each gap to the
    paper that convention accounts for."""
    paper = figure2_curves()
    head = points_header(points)
    lines = ["**Figure 2's training curves, reported as the paper's loop did** (ours minus the paper's, "
             "nats: our epoch means / ours as the paper's loop would have reported them; the interval "
             "between reports in samples)", "",
             f"| panel | method | interval | {head} |", "|---|---|---|" + "---|" * len(points)]
    for (name, n_z, method) in sorted({(r["dataset"], r["n_z"], r["method"]) for r in rows}):
        if (name, n_z, method) not in paper:
            continue
        mine = sorted((r for r in rows if (r["dataset"], r["n_z"], r["method"]) == (name, n_z, method)),
                      key=lambda r: r["samples"])
        samples, bounds = [r["samples"] for r in mine], [r["train_bound"] for r in mine]
        paper_x, paper_y = paper[name, n_z, method]["train"]
        interval = report_interval(paper_x)
        cells = []
        for p in points:
            theirs, ours = value_at(paper_x, paper_y, p), value_at(samples, bounds, p)
            as_paper = reported_like_paper(samples, bounds, [p], interval)[0] if p <= samples[-1] else math.nan
            cells.append(signed_cell(ours - theirs, as_paper - theirs))
        lines.append(f"| {settings.TITLES[name]} N_z={n_z} | {method} | {interval:.2g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def figure3_table(rows, points):
    paper = figure3_curves()
    curves = {}
    for size, method in sorted({(r["train_size"], r["method"]) for r in rows}):
        mine = sorted((r for r in rows if (r["train_size"], r["method"]) == (size, method)), key=lambda r: r["samples"])
        published = paper.get((size, method), {})
        curves[f"N_train={size:,}", method] = {
            part: (([r["samples"] for r in mine], [r[f"{part}_loglik"] for r in mine]), published[part])
            for part in ("train", "test") if part in published}
    return table("Figure 3: the marginal log-likelihood (appendix D's estimator)", curves, points,
                 paper_log_axis=False)


def end_table(rows):
    """Figure 2's bound per datapoint at each model's last row, train / test, AEVB beside wake-sleep."""
    last = {}
    for r in sorted(rows, key=lambda r: r["samples"]):
        last[r["dataset"], r["n_z"], r["method"]] = r
    lines = ["| data set | N_z | samples | AEVB train / test | wake-sleep train / test |", "|---|---|---|---|---|"]
    for name in settings.FIGURE2:
        for n_z in sorted({n_z for (d, n_z, _) in last if d == name}):
            ends = [last.get((name, n_z, method)) for method in settings.FIGURE2_METHODS]
            samples = " / ".join(f"{n:.2e}" for n in sorted({r["samples"] for r in ends if r}))
            cells = [f"{r['train_bound']:.1f} / {r['test_bound']:.1f}" if r else "-" for r in ends]
            lines.append(f"| {settings.TITLES[name]} | {n_z} | {samples} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def step_size_table(rows2, rows3):
    """Every model's step size, the training bounds that chose it, and its training loop."""
    def score(text):
        value = float(text)
        return f"{value:.1f}" if abs(value) < 1e5 else f"{value:.1e}"

    models = {}
    for r in rows2:
        models[f"figure 2, {settings.TITLES[r['dataset']]} N_z = {r['n_z']}, {r['method']}"] = r
    for r in rows3:
        models[f"figure 3, N_train = {r['train_size']:,}, {r['method']}"] = r
    sizes = " / ".join(str(s) for s in settings.STEP_SIZES)
    lines = [f"| model | step size | training bound at {sizes} | sampling, warm-up |", "|---|---|---|---|"]
    for model, r in models.items():
        scores = parse_step_scores(r["step_scores"])
        cells = " / ".join(score(scores[str(s)]) if str(s) in scores else "-" for s in settings.STEP_SIZES)
        lines.append(f"| {model} | {r['step_size']} | {cells} | {r['sampling']}, {r['warm_up']} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--results", default="examples/results", help="folder holding figure2.csv and/or figure3.csv")
    p.add_argument("--at", default="1e6,3e6,1e7", help="comma-separated sample counts to compare at")
    p.add_argument("--draw", action="store_true", help="redraw figure2.png and figure3.png there from the CSVs")
    p.add_argument("--update", default=None,
                   help="a Markdown file whose blocks <!-- name: begin --> ... <!-- name: end --> become the "
                        f"tables ({', '.join(BLOCKS)}; figure2-end is left as it is without figure2.csv)")
    p.add_argument("--merge", action="append", default=[],
                   help="a run's figure2.csv or figure3.csv whose models' rows replace theirs in --results's CSV "
                        "of that figure, before the tables (repeat for more)")
    args = p.parse_args(argv)
    try:
        points = [float(x) for x in args.at.split(",")]
    except ValueError:
        raise ValueError(f"--at must be numbers, got {args.at!r}") from None
    merges = {}  # figure's CSV: its rows with the runs merged, written once every input is checked
    for run_csv in args.merge:
        into = os.path.join(args.results, os.path.basename(run_csv))
        merges[into], models = results.merged(run_csv, into, merges.get(into))
        print(f"merging {len(models)} models of {run_csv} into {into}")
    path2, path3 = (os.path.join(args.results, f"figure{n}.csv") for n in (2, 3))
    rows2, rows3 = (merges[path] if path in merges else read_csv(path) if os.path.exists(path) else []
                    for path in (path2, path3))
    if not rows2 and not rows3:
        raise FileNotFoundError(f"{args.results} holds neither figure2.csv nor figure3.csv")
    tables = [figure2_table(rows2, points), reporting_table(rows2, points)] if rows2 else []
    tables += [figure3_table(rows3, points)] if rows3 else []
    blocks = {"paper-comparison": "\n\n".join(tables), "step-sizes": step_size_table(rows2, rows3)}
    if rows2:
        blocks["figure2-end"] = end_table(rows2)
    if args.update:
        check_blocks(args.update, blocks)  # refused before any file changes
    for into, rows in merges.items():
        results.write(rows, into)
    if args.update:
        replace_blocks(args.update, blocks)
        print(f"wrote the tables into {args.update}")
    else:
        print("\n\n".join(blocks.values()))
    if args.draw and rows2:
        datasets = [d for d in settings.FIGURE2 if any(r["dataset"] == d for r in rows2)]
        figure2.plot(rows2, datasets, settings.FIGURE2_METHODS, os.path.join(args.results, "figure2.png"))
    if args.draw and rows3:
        figure3.plot(rows3, sorted({r["train_size"] for r in rows3}), os.path.join(args.results, "figure3.png"))
    return blocks


if __name__ == "__main__":
    cli(main)
