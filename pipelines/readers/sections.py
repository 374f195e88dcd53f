"""The report's sections: one chart each (matplotlib, inline SVG) and its note, every one
read from the published warehouse's marts. `report.py` puts them on the page."""

from __future__ import annotations

import html
import io
import re
from collections import defaultdict
from datetime import date
from typing import Any

import duckdb
from matplotlib import rcParams
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from pipelines.readers.page import VENDOR_COLOURS
from pipelines.store.sql import table_exists
from pipelines.vendors import registrations

rcParams["svg.fonttype"] = "none"  # text as <text>, not paths
rcParams["svg.hashsalt"] = "pageflow"  # stable ids: the same data gives the same file
rcParams["font.family"] = "DejaVu Sans"
rcParams["text.parse_math"] = False  # a "$" in a vendor's name is a dollar, not math
rcParams["axes.spines.top"] = False
rcParams["axes.spines.right"] = False
LABEL = {r.name: r.label for r in registrations()}
FORM_SHADES = (
    ("interaction", 3, "#c9c9c9"),
    ("submission", 4, "#8a8a8a"),
    ("success", 5, "#3d3d3d"),
)


# -- sections ------------------------------------------------------------------------------


def traffic(con: duckdb.DuckDBPyConnection, where: str) -> str:
    rows = con.execute(
        f"""
        with traffic as (
            select site, vendor, day, sum(sessions) as sessions
            from analytics.daily_traffic where {where} group by all
        ),
        conversion as (
            select site, vendor, day, sum(converted_sessions) / sum(sessions) as rate
            from analytics.session_conversion where {where} group by all
        )
        select site, vendor, day, sessions, rate
        from traffic left join conversion using (site, vendor, day)
        order by site, vendor, day
        """
    ).fetchall()
    if not rows:
        return _empty("No traffic in the period.")
    series: dict[str, dict[str, list[tuple[date, Any, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for site, vendor, day, sessions, rate in rows:
        series[site][vendor].append((day, sessions, rate))
    sites = sorted(series)
    # one chart a row (sessions, then conversion): readable on a phone as on a desktop
    figure = Figure(figsize=(7.5, 2.6 * 2 * len(sites)), layout="constrained")
    axes = figure.subplots(2 * len(sites), 1, squeeze=False)[:, 0]
    for row, site in enumerate(sites):
        left, right = axes[2 * row], axes[2 * row + 1]
        for vendor, points in sorted(series[site].items()):
            style = {"color": VENDOR_COLOURS[vendor], "label": LABEL[vendor], "marker": "o"}
            left.plot([p[0] for p in points], [p[1] for p in points], markersize=3, **style)
            right.plot(
                [p[0] for p in points],
                [None if p[2] is None else 100 * p[2] for p in points],
                markersize=3,
                **style,
            )
        left.set_title(f"{_short(site)}: sessions per day", loc="left", fontsize=10)
        right.set_title(f"{_short(site)}: session conversion (%)", loc="left", fontsize=10)
        left.set_ylabel("sessions", fontsize=8)
        right.set_ylabel("% of sessions converted", fontsize=8)
        left.yaxis.set_major_locator(MaxNLocator(integer=True))  # no 17.5 sessions
        for ax in (left, right):
            _daily_axes(ax)
    return _svg(figure) + _note(
        "Sessions: PageSense's traffic report, Mouseflow's recordings. Conversion: recorded "
        "sessions that converted (analytics.session_conversion)."
    )


def side_by_side(con: duckdb.DuckDBPyConnection, where: str) -> str:
    rows = con.execute(
        f"""
        select site, day, pagesense_numerator, pagesense_denominator,
            mouseflow_numerator, mouseflow_denominator, within_noise
        from analytics.vendor_comparison
        where metric = 'session_conversion_rate' and {where}
        order by site, day
        """
    ).fetchall()
    if not rows:
        return _empty("No site is tracked by both vendors in the period.")
    by_site: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for site, *rest in rows:
        by_site[site].append(tuple(rest))
    sites = sorted(by_site)
    figure = Figure(figsize=(7.5, 2.8 * len(sites)), layout="constrained")
    axes = figure.subplots(len(sites), 1, squeeze=False)
    for ax, site in zip(axes[:, 0], sites, strict=True):
        points = by_site[site]
        days = [p[0] for p in points]
        ps = [100 * p[1] / p[2] if p[2] else float("nan") for p in points]
        mf = [100 * p[3] / p[4] if p[4] else float("nan") for p in points]
        ax.fill_between(days, ps, mf, color="#9a9a9a", alpha=0.25, label="disagreement")
        ax.plot(days, ps, color=VENDOR_COLOURS["pagesense"], marker="o", ms=3, label="PageSense")
        ax.plot(days, mf, color=VENDOR_COLOURS["mouseflow"], marker="o", ms=3, label="Mouseflow")
        beyond = [(d, m) for d, m, p in zip(days, mf, points, strict=True) if p[5] is False]
        if beyond:
            ax.scatter(
                [b[0] for b in beyond],
                [b[1] for b in beyond],
                s=60,
                facecolors="none",
                edgecolors="#222222",
                label="beyond noise",
                zorder=3,
            )
        title = f"{_short(site)}: session conversion (%), both vendors"
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_ylabel("% of sessions converted", fontsize=8)
        _daily_axes(ax, legend_columns=2)
    return _svg(figure) + _note(
        "The shaded band is the gap between the vendors; circled days differ by more than "
        "chance at their sample size (|z| >= 1.96, analytics.vendor_comparison.within_noise)."
    )


def funnels(con: duckdb.DuckDBPyConnection, where: str) -> str:
    rows = con.execute(
        f"""
        select site, lower(funnel_name) as funnel, vendor, step_number,
            any_value(step_name order by day desc) as step_name, sum(visitors) as visitors
        from analytics.funnel_conversion where {where}
        group by site, lower(funnel_name), vendor, step_number
        order by site, funnel, vendor, step_number
        """
    ).fetchall()
    if not rows:
        return _empty("No funnel data in the period.")
    funnels: dict[tuple[str, str], dict[str, list[tuple[int, str, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for site, funnel, vendor, step, name, visitors in rows:
        funnels[(site, funnel)][vendor].append((step, name, visitors))
    keys = sorted(funnels)
    figure = Figure(figsize=(7.5, 3.0 * len(keys)), layout="constrained")
    axes = figure.subplots(len(keys), 1, squeeze=False).flatten()
    for ax, key in zip(axes, keys, strict=False):
        vendors = funnels[key]
        steps = max(len(v) for v in vendors.values())
        width = 0.8 / len(vendors)
        names: dict[int, str] = {}
        for offset, (vendor, points) in enumerate(sorted(vendors.items())):
            first = points[0][2] or 0
            share = [100 * p[2] / first if first else 0 for p in points]
            xs = [p[0] - 1 + (offset - (len(vendors) - 1) / 2) * width for p in points]
            label = f"{LABEL[vendor]} ({first:,} at step 1)"
            bars = ax.bar(xs, share, width, color=VENDOR_COLOURS[vendor], label=label)
            counts = [
                f"{v:.0f}%" if i else f"{p[2]:,}"
                for i, (v, p) in enumerate(zip(share, points, strict=True))
            ]
            ax.bar_label(bars, labels=counts, fontsize=7)
            names.update({p[0]: p[1] for p in points})
        ticks = [_short(names.get(i + 1, str(i + 1)), 24) for i in range(steps)]
        ax.set_xticks(range(steps), ticks)
        ax.set_ylabel("% of step 1", fontsize=8)
        ax.set_ylim(bottom=0)
        ax.set_title(f"{_short(key[0])}: {_short(key[1])}", loc="left", fontsize=10)
        ax.legend(fontsize=8, frameon=False)
        ax.tick_params(labelsize=8)
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    return _svg(figure) + _note(
        "Visitors reaching each step over the period, as a share of step 1 (step 1's bar "
        "shows its visitors; analytics.funnel_conversion, losses per step in "
        "analytics.funnel_drop_off)."
    )


def forms(con: duckdb.DuckDBPyConnection, where: str) -> str:
    rows = con.execute(
        f"""
        select site, lower(form_name) as form, vendor,
            sum(interactions) / nullif(sum(views), 0) as interaction_rate,
            sum(submissions) / nullif(sum(views), 0) as submission_rate,
            sum(successes) / nullif(sum(views), 0) as success_rate,
            sum(views) as views
        from analytics.form_conversion where {where}
        group by all order by site, form, vendor
        """
    ).fetchall()
    if not rows:
        return _empty("No form data in the period.")
    labels = [
        f"{_short(site)}: {_short(form)}\n{LABEL[vendor]} ({views:,} views)"
        for site, form, vendor, *_, views in rows
    ]
    figure = Figure(figsize=(7.5, 0.55 * len(rows) + 1.2), layout="constrained")
    ax = figure.subplots()
    height = 0.26
    # greys: blue and orange mean the vendors everywhere else in the report
    for offset, (name, index, colour) in enumerate(FORM_SHADES):
        values = [100 * (r[index] or 0) for r in rows]
        ys = [i + (offset - 1) * height for i in range(len(rows))]
        ax.barh(ys, values, height, color=colour, label=f"{name} rate")
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("% of form views", fontsize=8)
    ax.legend(fontsize=8, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3)
    ax.tick_params(labelsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _svg(figure) + _note(
        "Rates over the period, each count / views (analytics.form_conversion); PageSense "
        "reports no successes."
    )


def feedback(con: duckdb.DuckDBPyConnection, where: str) -> str:
    """Per survey over the period: responses, and the NPS or mean rating where scored."""
    if not table_exists(con, "analytics", "customer_feedback"):
        return _empty("No feedback mart yet: run `pageflow models`.")
    rows = con.execute(
        f"""
        select site, vendor, survey_name, survey_type, sum(responses) as responses,
            sum(impressions) as impressions,
            100.0 * (sum(promoters) - sum(detractors))
                / nullif(sum(promoters) + sum(passives) + sum(detractors), 0) as nps,
            sum(average_score * responses) / nullif(sum(responses) filter (
                where average_score is not null), 0) as rating
        from analytics.customer_feedback where {where}
        group by all order by site, vendor, survey_name
        """
    ).fetchall()
    if not rows:
        return _empty("No poll or feedback responses in the period.")
    labels = [f"{_short(r[0])}: {_short(r[2], 28)}\n{LABEL[r[1]]}, {r[3]}" for r in rows]
    figure = Figure(figsize=(7.5, 0.5 * len(rows) + 1.2), layout="constrained")
    ax = figure.subplots()
    bars = ax.barh(
        range(len(rows)), [r[4] for r in rows], color=[VENDOR_COLOURS[r[1]] for r in rows]
    )
    ax.bar_label(
        bars,
        labels=[
            f"NPS {r[6]:+.0f}"
            if r[6] is not None
            else f"mean {r[7]:.2f} of 5"
            if r[7] is not None
            else f"of {r[5]:,} shown"
            if r[5] is not None
            else ""
            for r in rows
        ],
        fontsize=7,
        padding=3,
    )
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("responses in the period", fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(labelsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _svg(figure) + _note(
        "Responses per survey (analytics.customer_feedback); NPS = 100 x (promoters - "
        "detractors) / scored responses over the period. Mouseflow reports no scores, only "
        "how often its campaigns were shown and answered."
    )


def disagreements(con: duckdb.DuckDBPyConnection, where: str, top: int = 12) -> str:
    rows = con.execute(
        f"""
        select site, day, metric, coalesce(subject, '') as subject, pagesense_value,
            mouseflow_value, relative_difference, z_score,
            pagesense_numerator, pagesense_denominator, mouseflow_numerator,
            mouseflow_denominator
        from analytics.vendor_comparison
        where not within_noise and {where}
        order by abs(z_score) desc, site, day, metric
        limit {int(top)}
        """
    ).fetchall()
    if not rows:
        return _empty("No difference between the vendors is beyond noise in the period.")
    labels = [_short(f"{r[0]} {r[1]} {r[2]}{' ' + r[3] if r[3] else ''}", 60) for r in rows]
    figure = Figure(figsize=(7.5, 0.4 * len(rows) + 1.2), layout="constrained")
    ax = figure.subplots()
    z = [r[7] for r in rows]
    ax.barh(
        range(len(rows)),
        z,
        color=[VENDOR_COLOURS["mouseflow" if v > 0 else "pagesense"] for v in z],
    )
    ax.axvline(1.96, color="#444444", linestyle=":", linewidth=1)
    ax.axvline(-1.96, color="#444444", linestyle=":", linewidth=1)
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("z score (right: Mouseflow higher; dotted: the noise limit)", fontsize=8)
    ax.tick_params(labelsize=8)
    cells = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(v))}</td>"
            for v in (
                r[0],
                r[1],
                r[2],
                r[3],
                _side(r[4], r[8], r[9]),
                _side(r[5], r[10], r[11]),
                "" if r[6] is None else f"{100 * r[6]:+.0f}%",
                f"{r[7]:.1f}",
            )
        )
        + "</tr>"
        for r in rows
    )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("site", "day", "metric", "subject", "PageSense", "Mouseflow", "diff", "z")
    )
    return (
        _svg(figure)
        + f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"
        + _note("Ranked by |z|; rows within noise are left out (analytics.vendor_comparison).")
    )


# -- helpers -------------------------------------------------------------------------------


def _side(value: float | None, numerator: int | None, denominator: int | None) -> str:
    if value is None:
        return ""
    if denominator is None:
        return f"{numerator:,}"
    return f"{numerator:,}/{denominator:,} ({100 * value:.1f}%)"


def _short(text: object, most: int = 40) -> str:
    """A vendor's name as a chart label: at most `most` characters (the tables below and
    the marts hold it whole), so a long name cannot squeeze the chart to nothing."""
    value = str(text)
    return value if len(value) <= most else value[: most - 1] + "\u2026"


def _daily_axes(ax: Any, legend_columns: int = 1) -> None:
    """The look of a chart over days: small legend and ticks, light grid, slanted dates,
    and a y axis from zero (a dip from 72 to 42 sessions must not look like a collapse)."""
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, frameon=False, ncols=legend_columns)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")


def _svg(figure: Figure) -> str:
    """The figure as inline SVG, without the XML prologue, DOCTYPE and metadata (which
    name w3.org and purl.org addresses a browser never needs for inline SVG)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    return f'<figure class="chart">{text}</figure>\n'


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>\n'


def _empty(text: str) -> str:
    return f'<p class="empty">{html.escape(text)}</p>\n'
