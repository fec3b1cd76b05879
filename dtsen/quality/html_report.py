"""The ministries' data-quality report: one self-contained HTML file (inline CSS, inline
SVG charts, a few lines of inline JS for the language switch; nothing fetched from the
network), in Indonesian with an English toggle (open it with #en for English first).

The markup is the Jinja2 template templates/report.html.j2 (shipped with the package); this
module works out what it shows: the charts' geometry, the verdicts, the thresholds.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

SOURCES = ("dukcapil", "dtks", "p3ke", "bps")
COLOURS = {
    "dukcapil": "#1f5f8b",
    "dtks": "#c0392b",
    "p3ke": "#d68910",
    "bps": "#1e8449",
    "inclusion": "#c0392b",
    "exclusion": "#1f5f8b",
    "data": "#7d3c98",
}
PALETTE = ["#1f5f8b", "#c0392b", "#d68910", "#1e8449", "#7d3c98", "#117a65", "#6e2c00", "#5d6d7e"]
TEMPLATE = "report.html.j2"
# The counts of mart_verifikasi_wilayah the report shows, in its columns' order.
FIELD_COUNTS = (
    "jumlah_kunjungan",
    "kunjungan_cocok",
    "kunjungan_tidak_cocok",
    "kunjungan_tidak_konsisten",
    "keluarga_terkonfirmasi",
    "keluarga_ditangguhkan",
    "keluarga_dikecualikan",
    "usulan_keluarga_baru",
    "sanggahan",
    "keluarga_menjadi_layak",
    "keluarga_tidak_lagi_layak",
)
CHECK_LABELS = {
    "row_count": ("Jumlah baris", "Row count"),
    "identifiers_kept": ("Pengenal yang masih ada", "Identifiers carried over"),
    "null_rate": ("Porsi nilai kosong", "Share of blank values"),
    "code_shift": ("Sebaran kode", "Code distribution"),
}


def percent(value: float, digits: int = 1) -> str:
    """A share as a percentage, English style ("12.5 %"); the template writes it the
    Indonesian way too."""
    return f"{value * 100:.{digits}f} %"


def thousands(value) -> str:
    return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)


def row_text(row) -> str:
    if isinstance(row, dict):
        return ", ".join(f"{k}={v}" for k, v in row.items())
    return str(row)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dtsen.quality", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )
    env.filters.update(percent=percent, thousands=thousands, row_text=row_text)
    return env


def bar_chart(
    items: list[tuple[str, float | None]],
    *,
    threshold: float | None = None,
    maximum: float = 1.0,
    colour: str = "#1f5f8b",
    width: int = 640,
    label_width: int = 170,
) -> dict:
    """Horizontal bars with value labels, and a dashed threshold line when given."""
    row, top = 24, 8
    plot = width - label_width - 80

    def scale(value: float) -> float:
        return label_width + plot * min(max(value, 0), maximum) / maximum if maximum else label_width

    bars = [
        {
            "label": label,
            "value": value,
            "y": top + i * row,
            "end": None if value is None else scale(value),
            "length": None if value is None else max(scale(value) - label_width, 0.5),
        }
        for i, (label, value) in enumerate(items)
    ]
    return {
        "width": width,
        "height": top + row * len(items) + 22,
        "row": row,
        "top": top,
        "plot": plot,
        "label_width": label_width,
        "colour": colour,
        "bars": bars,
        "axis_y": top + row * len(items),
        "ticks": [
            {"x": label_width + plot * tick, "value": maximum * tick} for tick in (0, 0.25, 0.5, 0.75, 1.0)
        ],
        "threshold_x": None if threshold is None else scale(threshold),
    }


def grouped_bars(
    groups: list[str],
    series: list[tuple[str | tuple[str, str], str, list[float | None]]],
    *,
    threshold: float | None,
    width: int = 680,
) -> dict:
    """Vertical grouped bars: one group per programme, one bar per series (rates 0-1)."""
    height, left, bottom, top = 260, 50, 40, 10
    values = [v for _, _, vs in series for v in vs if v is not None] + [threshold or 0]
    maximum = max(0.1, min(1.0, max(values) * 1.15)) if values else 1.0
    plot_h, plot_w = height - bottom - top, width - left - 10
    group_w = plot_w / max(len(groups), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)

    def y(value: float) -> float:
        return top + plot_h * (1 - min(value, maximum) / maximum)

    chart_groups = []
    for g, group in enumerate(groups):
        x0 = left + g * group_w + group_w * 0.1
        bars = [
            {
                "x": x0 + s * bar_w,
                "y": y(vals[g]),
                "height": top + plot_h - y(vals[g]),
                "colour": colour,
                "value": vals[g],
            }
            for s, (_, colour, vals) in enumerate(series)
            if vals[g] is not None
        ]
        chart_groups.append({"name": group, "label_x": x0 + group_w * 0.4, "bars": bars})
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - 10,
        "label_y": height - bottom + 16,
        "ticks": [{"y": y(maximum * tick / 4), "value": maximum * tick / 4} for tick in range(5)],
        "bar_width": bar_w - 2,
        "groups": chart_groups,
        "threshold_y": None if threshold is None else y(threshold),
        "legend": [(name, colour) for name, colour, _ in series],
    }


def line_chart(dates: list[str], series: list[tuple[str, list[float | None]]], *, width: int = 680) -> dict:
    """Lines across runs (x: run dates, y: share 0-1, zoomed to the data)."""
    height, left, bottom, top = 240, 50, 46, 10
    values = [v for _, vs in series for v in vs if v is not None]
    low = max(0.0, min(values) - 0.02) if values else 0.0
    high = min(1.0, max(values) + 0.02) if values else 1.0
    if high - low < 0.04:
        low, high = max(0.0, low - 0.02), min(1.0, high + 0.02)
    plot_h, plot_w = height - bottom - top, width - left - 20

    def x(i: int) -> float:
        return left + (plot_w * i / (len(dates) - 1) if len(dates) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h * (1 - (value - low) / ((high - low) or 1))

    step = max(1, len(dates) // 6)
    lines = [
        {
            "colour": COLOURS.get(name, PALETTE[n % len(PALETTE)]),
            "points": [(x(i), y(v)) for i, v in enumerate(vals) if v is not None],
        }
        for n, (name, vals) in enumerate(series)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - 20,
        "label_y": height - bottom + 16,
        "ticks": [
            {"y": y(low + (high - low) * tick / 4), "value": low + (high - low) * tick / 4}
            for tick in range(5)
        ],
        "dates": [
            {"x": x(i), "text": date[:16].replace("T", " ")}
            for i, date in enumerate(dates)
            if i % step == 0 or i == len(dates) - 1
        ],
        "lines": lines,
        "legend": [(name, line["colour"]) for (name, _), line in zip(series, lines)],
    }


def _heat(share) -> str:
    """Cell colour of the province table: green at >= 98 %, red at <= 80 %."""
    if share is None:
        return ""
    level = max(0.0, min(1.0, (share - 0.80) / 0.18))
    red, green = int(230 - 120 * level), int(120 + 100 * level)
    return f"background:rgb({red},{green},140)"


def _change_verdicts(outcomes) -> dict[tuple, object]:
    """(source, file, check, column) -> the worst failed delivery_changes outcome naming it."""
    verdicts: dict[tuple, object] = {}
    failed = [o for o in outcomes if o.suite == "delivery_changes" and not o.success]
    for o in sorted(failed, key=lambda o: o.blocking):  # blocking last: it wins
        for row in o.rows:
            if isinstance(row, dict):
                key = (row.get("source"), row.get("file_name"), row.get("check_name"), row.get("column_name"))
                verdicts[key] = o
    return verdicts


def delivery_changes(run) -> dict | None:
    """Every delivery check: the previous and the current delivery side by side, both values,
    the change and the verdict of the delivery_changes suite."""
    rows = run.figures.get("delivery_changes")
    if rows is None:
        return None
    verdicts = _change_verdicts(run.outcomes)
    shown = []
    for row in rows:
        key = (row["source"], row["file_name"], row["check_name"], row["column_name"])
        failed = verdicts.get(key)
        if row["comparison"] == "first_delivery":
            css = "ok"
        elif failed is not None:
            css = "fail" if failed.blocking else "warn"
        else:
            css = "ok"
        shown.append(
            {
                "row": row,
                "css": css,
                "failed": failed,
                "check_key": "/".join(str(p or "") for p in key),
                "label": CHECK_LABELS.get(row["check_name"], (row["check_name"], row["check_name"])),
            }
        )
    ours = [o for o in run.outcomes if o.suite == "delivery_changes"]
    return {
        "rows": shown,
        "suite_errors": [o for o in ours if o.error],
        "truncated": [
            o
            for o in ours
            if not o.success and not o.error and isinstance(o.observed, int) and o.observed > len(o.rows)
        ],
    }


def nik_validity(run) -> dict:
    f = run.figures
    by_table = {o.table: o.thresholds for o in run.outcomes if o.check == "nik_valid"}
    valid = f.get("nik_valid_share", {})
    thresholds = {}
    for s in SOURCES:
        found = next((th for table, th in by_table.items() if s in table.split("__")[0]), None)
        thresholds[s] = next(iter(found.values())) if found else "–"
    provinces: dict[tuple[str, str], dict[str, tuple]] = {}
    for r in f.get("nik_by_province", []):
        provinces.setdefault((r["kode_provinsi"], r["nama_provinsi"]), {})[r["source"]] = (
            r["valid_share"],
            r["records"],
        )
    return {
        "valid": valid,
        "thresholds": thresholds,
        "chart": bar_chart([(s, valid.get(s)) for s in SOURCES]),
        "birth": {
            (r["source"], r["birth_date_check"]): r["records"] for r in f.get("nik_birth_date_checks") or []
        },
        "provinces": [
            {
                "code": code,
                "name": name,
                "cells": [
                    {
                        "share": cells.get(s, (None,))[0],
                        "records": cells.get(s, (None, 0))[1],
                        "style": _heat(cells.get(s, (None,))[0]),
                    }
                    for s in SOURCES
                ],
            }
            for (code, name), cells in sorted(provinces.items())
        ],
    }


def targeting(run) -> dict | None:
    admin = run.figures.get("targeting_administrative")
    if admin is None:
        return None
    limits = {
        k: v for o in run.outcomes for k, v in o.thresholds.items() if k.startswith("targeting.max_data")
    }
    chart = grouped_bars(
        [r["program"] for r in admin],
        [
            ("Inclusion error", COLOURS["inclusion"], [r["inclusion_error_rate"] for r in admin]),
            ("Exclusion error", COLOURS["exclusion"], [r["exclusion_error_rate"] for r in admin]),
            (("Data bermasalah", "Data errors"), COLOURS["data"], [r["data_error_rate"] for r in admin]),
        ],
        threshold=next(iter(limits.values()), None),
    )
    breaches = [
        o for o in run.outcomes if o.suite.startswith("marts_mart_targeting") and not o.success and o.rows
    ]
    return {"chart": chart, "breaches": breaches}


def trend(history: list[dict]) -> dict:
    dates = [h["run_date"] for h in history]
    nik = [(s, [h["figures"].get("nik_valid_share", {}).get(s) for h in history]) for s in SOURCES]
    programs = sorted(
        {r["program"] for h in history for r in h["figures"].get("targeting_administrative") or []}
    )
    data_errors = [
        (
            p,
            [
                next(
                    (
                        r["data_error_rate"]
                        for r in h["figures"].get("targeting_administrative") or []
                        if r["program"] == p
                    ),
                    None,
                )
                for h in history
            ],
        )
        for p in programs
    ]
    return {
        "nik": line_chart(dates, nik),
        "data_errors": line_chart(dates, data_errors) if programs else None,
    }


def field_verification(run) -> dict | None:
    """The field loop's section: per province, its regencies' rows and their total; and the
    effect per programme. None when the warehouse has no field-verification marts."""
    rows = run.figures.get("verifikasi_wilayah")
    if rows is None:
        return None
    provinces: dict = {}
    for row in rows:
        province = provinces.setdefault(
            row["kode_provinsi"], {"kode": row["kode_provinsi"], "nama": row["nama_provinsi"], "rows": []}
        )
        province["rows"].append(row)
    for province in provinces.values():
        province["total"] = {key: sum(row[key] or 0 for row in province["rows"]) for key in FIELD_COUNTS}
    return {"provinces": list(provinces.values()), "programmes": run.figures.get("verifikasi_program") or []}


def write(run, history: list[dict], path: Path) -> Path:
    f = run.figures
    order = sorted(run.outcomes, key=lambda o: (o.success, not o.blocking, o.suite, o.check))
    docs = Path(run.data_docs_path)
    desil = f.get("desil_nasional")
    page = (
        environment()
        .get_template(TEMPLATE)
        .render(
            run=run,
            f=f,
            history=history,
            sources=SOURCES,
            failed=[o for o in order if not o.success],
            passed=[o for o in order if o.success],
            changes=delivery_changes(run),
            nik=nik_validity(run),
            targeting=targeting(run),
            field=field_verification(run),
            field_counts=FIELD_COUNTS,
            trend=trend(history),
            match_chart=bar_chart(
                [(r["source"], r["match_rate"]) for r in f.get("match_rates", [])], colour="#117a65"
            ),
            desil_chart=bar_chart(
                [(f"desil {r['desil_nasional']}", r["share_jiwa"]) for r in desil],
                threshold=0.1,
                maximum=0.2,
                colour="#5d6d7e",
            )
            if desil
            else None,
            docs_link=docs.relative_to(path.parent) if docs.is_relative_to(path.parent) else docs,
        )
    )
    path.write_text(page, encoding="utf-8")
    return path
