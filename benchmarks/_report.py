"""Benchmark report: markdown, CSV and accuracy-versus-time plot; README summary refresh.

:func:`write_outputs` takes the result rows of :mod:`run` (one dict per task
and contender) and the run's metadata, and writes
``<out_dir>/<date>[-quick][-<tasks>].md``, ``.csv`` and ``.png`` (the task
names only for a run of a subset of the tasks); then it replaces the
text between ``<!-- bench:summary:start -->`` and
``<!-- bench:summary:end -->`` in the README with a summary table (one row
per task and contender, the task's headline metric, time and memory with
their ratios to the task's peer).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

START, END = "<!-- bench:summary:start -->", "<!-- bench:summary:end -->"
BASE_COLUMNS = [
    "task",
    "contender",
    "status",
    "wall_s",
    "peak_rss_mb",
    "extra_rss_mb",
    "wall_ratio",
    "rss_ratio",
]
TAIL_COLUMNS = ["ratio_to", "warmup_s", "notes", "task_notes"]
SHORT = {"forecastkit": "fk", "statsforecast": "sf", "mlforecast": "mlf"}
# Headline accuracy metric of each task family (lower is better for all of them).
PRIMARY = {"m5": "wrmsse", "walmart": "wmae", "m4": "owa"}
METRIC_ORDER = ["wrmsse", "rmsse", "wspl", "wmae", "wape", "smape", "mase", "owa", "rank"]
# forecastkit contenders and the peer each one replaces.
COUNTERPARTS = {
    "forecastkit.SeasonalNaive": "statsforecast.SeasonalNaive",
    "forecastkit.StatsForecaster": "statsforecast.AutoETS",
    "forecastkit.LGBMForecaster": "mlforecast.LightGBM",
}


def primary_metric(task: str) -> str | None:
    """Headline metric of ``task`` (``m4-weekly`` -> ``owa``), None for speed-only tasks."""
    return PRIMARY.get(task.split("-")[0])


def to_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as a frame, columns in report order (base, metrics, then the rest)."""
    df = pd.DataFrame(rows)
    for col in BASE_COLUMNS + TAIL_COLUMNS:
        if col not in df.columns:
            df[col] = np.nan if col not in ("ratio_to", "notes", "task_notes") else ""
    df[["ratio_to", "notes", "task_notes"]] = df[["ratio_to", "notes", "task_notes"]].fillna("")
    metrics = [c for c in METRIC_ORDER if c in df.columns]
    others = [c for c in df.columns if c not in BASE_COLUMNS + TAIL_COLUMNS + metrics]
    return df[BASE_COLUMNS + metrics + others + TAIL_COLUMNS]


def _fmt(value: object) -> str:
    """Three significant decimals for metrics, fewer for large numbers; blank for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if abs(v) >= 100:
            return f"{v:.1f}"
        if 0 < abs(v) < 0.01:
            return f"{v:.2g}"
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.2f}"
    return str(value).replace("|", "/")


def markdown_table(df: pd.DataFrame, columns: list[str]) -> str:
    """A GitHub markdown table of ``columns``."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(_fmt(row.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def _task_columns(part: pd.DataFrame) -> list[str]:
    metrics = [c for c in METRIC_ORDER if c in part.columns and part[c].notna().any()]
    extra = [
        c
        for c in part.columns
        if c not in BASE_COLUMNS + TAIL_COLUMNS + METRIC_ORDER
        and part[c].notna().any()
        and pd.api.types.is_numeric_dtype(part[c])
    ]
    memory = ["peak_rss_mb", "extra_rss_mb", "rss_ratio"]
    if not part["extra_rss_mb"].notna().any():
        memory.remove("extra_rss_mb")
    return ["contender", "status", *metrics, "wall_s", "wall_ratio", *memory, *extra, "notes"]


def _counterpart_lines(df: pd.DataFrame) -> list[str]:
    """One sentence per forecastkit row with an ``ok`` direct counterpart in the same task."""
    lines = []
    ok = df[df["status"] == "ok"].set_index(["task", "contender"])
    for (task, name), row in ok.iterrows():
        peer = COUNTERPARTS.get(name)
        if peer is None or (task, peer) not in ok.index:
            continue
        ref = ok.loc[(task, peer)]
        metric = primary_metric(task)
        acc = ""
        if metric and metric in ok.columns and pd.notna(row[metric]):
            acc = f", {metric} {_fmt(row[metric])} vs {_fmt(ref[metric])}"
        lines.append(
            f"- {task}: {name} / {peer}: wall {row['wall_s'] / ref['wall_s']:.2f}x, "
            f"peak RSS {row['peak_rss_mb'] / ref['peak_rss_mb']:.2f}x{acc}"
        )
    return lines


def _header(meta: dict) -> list[str]:
    kind = "quick subset" if meta.get("quick") else "full"
    vers = ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items())
    task_times = ", ".join(f"{k} {v:.0f} s" for k, v in meta.get("task_wall_s", {}).items())
    return [
        f"# Benchmark results, {meta['date']} ({kind})",
        "",
        f"- command: `{meta['command']}`",
        f"- machine: {meta['cores']} cores, {meta['cpu']}, Python {meta['python']}",
        f"- packages: {vers}",
        f"- run time: {meta.get('total_wall_s', float('nan')):.0f} s ({task_times})",
        "",
        "Each contender runs in its own subprocess. `wall_s`: fit and predict of "
        "every window, after an untimed warm-up of the same contender on two series "
        "(first-call costs such as lazy imports and compilation are not counted). "
        "`peak_rss_mb`: peak resident memory of that process during the timed call "
        "(interpreter, imports and loaded data included: compare ratios); "
        "`extra_rss_mb`: that peak minus the memory just before the call. Ratios are to the task's peer "
        "(`ratio_to`) measured in this run. Lower is better for every metric.",
        "",
    ]


def markdown_report(df: pd.DataFrame, meta: dict, *, plot_name: str | None) -> str:
    """The full markdown report: header, one table per task, counterparts, plot."""
    lines = _header(meta)
    for task, part in df.groupby("task", sort=False):
        peers = [p for p in pd.unique(part["ratio_to"]) if p]
        lines += [f"## {task}", ""]
        lines += [f"{n}." for n in pd.unique(part["task_notes"]) if n] + [""]
        columns = _task_columns(part)
        if len(peers) == 1:
            lines += [f"Ratios relative to `{peers[0]}`.", ""]
        elif peers:
            lines += ["Ratios relative to each row's `ratio_to`.", ""]
            columns.insert(columns.index("notes"), "ratio_to")
        lines += [markdown_table(part, columns), ""]
    counterparts = _counterpart_lines(df)
    if counterparts:
        lines += ["## forecastkit against the peer it replaces", "", *counterparts, ""]
    if plot_name:
        lines += ["## Accuracy against time", "", f"![accuracy vs wall time]({plot_name})", ""]
    return "\n".join(lines)


def plot(df: pd.DataFrame, path: Path) -> bool:
    """Accuracy (the task's headline metric) against wall time, log x, one panel per task."""
    tasks = [
        t
        for t in pd.unique(df["task"])
        if (m := primary_metric(t))
        and m in df.columns
        and df.loc[(df["task"] == t) & (df["status"] == "ok"), m].notna().any()
    ]
    if not tasks:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(tasks), figsize=(4.8 * len(tasks), 4.2), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        metric = primary_metric(task)
        part = df[(df["task"] == task) & (df["status"] == "ok") & df[metric].notna()]
        for _, row in part.iterrows():
            own = row["contender"].startswith("forecastkit")
            ax.scatter(row["wall_s"], row[metric], marker="o" if own else "s",
                       color="C3" if own else "C0", zorder=3 if own else 2)  # fmt: skip
            lib, _, model = row["contender"].partition(".")
            ax.annotate(f"{SHORT.get(lib, lib)}.{model}", (row["wall_s"], row[metric]),
                        fontsize=7, xytext=(4, -9 if own else 3),
                        textcoords="offset points")  # fmt: skip
        ax.set_xscale("log")
        ax.set_xlabel("wall time, fit + predict (s, log)")
        ax.set_ylabel(f"{metric} (lower is better)")
        ax.set_title(f"{task} (circles: forecastkit)")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _peers(df: pd.DataFrame) -> str:
    """``task: peer`` for each task that has one."""
    pairs = df.loc[df["ratio_to"] != "", ["task", "ratio_to"]].drop_duplicates()
    by_task = pairs.groupby("task", sort=False)["ratio_to"].agg(", ".join)
    return "; ".join(f"{t}: {p}" for t, p in by_task.items()) or "none ran"


def summary_table(df: pd.DataFrame, meta: dict, result_name: str) -> str:
    """The README summary: headline metric, time and memory per task and contender."""
    rows = []
    for _, r in df.iterrows():
        metric = primary_metric(r["task"])
        value = r.get(metric) if metric else None
        rows.append(
            {
                "task": r["task"],
                "contender": r["contender"],
                "metric": f"{metric} {_fmt(value)}" if metric and _fmt(value) else "",
                "wall (s)": r["wall_s"],
                "x peer": r["wall_ratio"],
                "peak RSS (MB)": r["peak_rss_mb"],
                "status": r["status"],
            }
        )
    kind = "quick subset" if meta.get("quick") else "full run"
    intro = (
        f"Last run: {meta['date']}, {kind}, `{meta['command']}`, {meta['cores']} cores "
        f"({meta['cpu']}); details in [results/{result_name}](results/{result_name}). "
        f"`x peer`: wall time over the task's peer in the same run ({_peers(df)})."
    )
    table = pd.DataFrame(rows)
    return intro + "\n\n" + markdown_table(table, list(table.columns))


def refresh_readme(readme: Path, text: str) -> None:
    """Replace the text between the summary markers (appended at the end if absent)."""
    old = readme.read_text() if readme.exists() else ""
    block = f"{START}\n{text}\n{END}"
    if START in old and END in old:
        new = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, old, flags=re.S)
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    readme.write_text(new)


def write_outputs(
    rows: list[dict], *, meta: dict, out_dir: Path, readme: Path | None
) -> list[Path]:
    """Write the markdown, CSV and PNG files and refresh ``readme``; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    df = to_frame(rows)
    stem = meta["date"][:10] + ("-quick" if meta.get("quick") else "")
    if meta.get("subset"):
        stem += "-" + "-".join(meta["tasks"])
    csv, md, png = (out_dir / f"{stem}{ext}" for ext in (".csv", ".md", ".png"))
    df.to_csv(csv, index=False, float_format="%.6g")
    has_plot = plot(df, png)
    md.write_text(markdown_report(df, meta, plot_name=png.name if has_plot else None))
    paths = [md, csv] + ([png] if has_plot else [])
    if readme is not None:
        refresh_readme(readme, summary_table(df, meta, md.name))
        paths.append(readme)
    return paths
