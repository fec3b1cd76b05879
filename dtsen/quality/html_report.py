"""The ministries' data-quality report: one self-contained HTML file (inline CSS, inline
SVG charts, a few lines of inline JS for the language switch; nothing fetched from the
network), in Indonesian with an English toggle (open it with #en for English first)."""
from __future__ import annotations

import html
from pathlib import Path

SOURCES = ("dukcapil", "dtks", "p3ke", "bps")
COLOURS = {"dukcapil": "#1f5f8b", "dtks": "#c0392b", "p3ke": "#d68910", "bps": "#1e8449",
           "inclusion": "#c0392b", "exclusion": "#1f5f8b", "data": "#7d3c98"}
PALETTE = ["#1f5f8b", "#c0392b", "#d68910", "#1e8449", "#7d3c98", "#117a65", "#6e2c00", "#5d6d7e"]


def e(value) -> str:
    return html.escape(str(value), quote=True)


def t(indonesian: str, english: str, tag: str = "span") -> str:
    """Text in both languages; CSS shows the chosen one."""
    return f'<{tag} class="l-id">{indonesian}</{tag}><{tag} class="l-en">{english}</{tag}>'


def pct(value, digits: int = 1, tag: str = "span") -> str:
    if value is None:
        return "–"
    english = f"{value * 100:.{digits}f} %"
    return t(english.replace(".", ","), english, tag)


def num(value, tag: str = "span") -> str:
    if value is None:
        return "–"
    english = f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)
    return t(english.replace(",", "."), english, tag)


def bar_chart(items: list[tuple[str, float | None]], *, threshold: float | None = None, maximum: float = 1.0,
              colour: str = "#1f5f8b", width: int = 640, label_width: int = 170, title: str = "") -> str:
    """Horizontal bars with value labels, and a dashed threshold line when given."""
    row, top = 24, 8
    height = top + row * len(items) + 22
    plot = width - label_width - 80
    scale = (lambda v: label_width + plot * min(max(v, 0), maximum) / maximum) if maximum else (lambda v: label_width)
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
             f"<title>{e(title)}</title>"]
    for i, (label, value) in enumerate(items):
        y = top + i * row
        parts.append(f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" class="lbl">{e(label)}</text>')
        if value is not None:
            parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{max(scale(value) - label_width, 0.5):.1f}" '
                         f'height="{row - 8}" fill="{colour}"/>')
            parts.append(f'<text x="{scale(value) + 4:.1f}" y="{y + 15}" class="val">{pct(value, 1, "tspan")}</text>')
    axis_y = top + row * len(items)
    parts.append(f'<line x1="{label_width}" y1="{axis_y}" x2="{label_width + plot}" y2="{axis_y}" class="axis"/>')
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_width + plot * tick
        parts.append(f'<text x="{x:.1f}" y="{axis_y + 15}" text-anchor="middle" class="tick">'
                     f'{pct(maximum * tick, 0, "tspan")}</text>')
    if threshold is not None:
        x = scale(threshold)
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_y}" class="threshold"/>')
    parts.append("</svg>")
    return "".join(parts)


def grouped_bars(groups: list[str], series: list[tuple[str, str, list[float | None]]], *, threshold: float | None,
                 width: int = 680, title: str = "") -> str:
    """Vertical grouped bars: one group per programme, one bar per series (rates 0-1)."""
    height, left, bottom, top = 260, 50, 40, 10
    values = [v for _, _, vs in series for v in vs if v is not None] + [threshold or 0]
    maximum = max(0.1, min(1.0, max(values) * 1.15)) if values else 1.0
    plot_h, plot_w = height - bottom - top, width - left - 10
    group_w = plot_w / max(len(groups), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    y = lambda v: top + plot_h * (1 - min(v, maximum) / maximum)  # noqa: E731
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
             f"<title>{e(title)}</title>"]
    for tick in range(5):
        value = maximum * tick / 4
        parts.append(f'<line x1="{left}" y1="{y(value):.1f}" x2="{width - 10}" y2="{y(value):.1f}" class="grid"/>'
                     f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end" class="tick">{pct(value, 0, "tspan")}</text>')
    for g, group in enumerate(groups):
        x0 = left + g * group_w + group_w * 0.1
        for s, (_, colour, vals) in enumerate(series):
            value = vals[g]
            if value is None:
                continue
            parts.append(f'<rect x="{x0 + s * bar_w:.1f}" y="{y(value):.1f}" width="{bar_w - 2:.1f}" '
                         f'height="{top + plot_h - y(value):.1f}" fill="{colour}"><title>{e(group)} {value:.3f}</title></rect>')
        parts.append(f'<text x="{x0 + group_w * 0.4:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="lbl">{e(group)}</text>')
    if threshold is not None:
        parts.append(f'<line x1="{left}" y1="{y(threshold):.1f}" x2="{width - 10}" y2="{y(threshold):.1f}" class="threshold"/>')
    parts.append("</svg>")
    legend = " ".join(f'<span class="key"><i style="background:{c}"></i>{name}</span>' for name, c, _ in series)
    return f'<div>{"".join(parts)}<div class="legend">{legend}</div></div>'


def line_chart(dates: list[str], series: list[tuple[str, list[float | None]]], *, width: int = 680, title: str = "") -> str:
    """Lines across runs (x: run dates, y: share 0-1, zoomed to the data)."""
    height, left, bottom, top = 240, 50, 46, 10
    values = [v for _, vs in series for v in vs if v is not None]
    low = max(0.0, min(values) - 0.02) if values else 0.0
    high = min(1.0, max(values) + 0.02) if values else 1.0
    if high - low < 0.04:
        low, high = max(0.0, low - 0.02), min(1.0, high + 0.02)
    plot_h, plot_w = height - bottom - top, width - left - 20
    x = lambda i: left + (plot_w * i / (len(dates) - 1) if len(dates) > 1 else plot_w / 2)  # noqa: E731
    y = lambda v: top + plot_h * (1 - (v - low) / ((high - low) or 1))  # noqa: E731
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
             f"<title>{e(title)}</title>"]
    for tick in range(5):
        value = low + (high - low) * tick / 4
        parts.append(f'<line x1="{left}" y1="{y(value):.1f}" x2="{width - 20}" y2="{y(value):.1f}" class="grid"/>'
                     f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end" class="tick">{pct(value, 1, "tspan")}</text>')
    step = max(1, len(dates) // 6)
    for i, date in enumerate(dates):
        if i % step == 0 or i == len(dates) - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" class="tick">{e(date[:16].replace("T", " "))}</text>')
    legend = []
    for n, (name, vals) in enumerate(series):
        colour = COLOURS.get(name, PALETTE[n % len(PALETTE)])
        points = [(x(i), y(v)) for i, v in enumerate(vals) if v is not None]
        if points:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                         + " ".join(f"{px:.1f},{py:.1f}" for px, py in points) + '"/>')
            parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points]
        legend.append(f'<span class="key"><i style="background:{colour}"></i>{e(name)}</span>')
    parts.append("</svg>")
    return f'<div>{"".join(parts)}<div class="legend">{"".join(legend)}</div></div>'


STYLE = """
:root{--ink:#1d2733;--muted:#5d6d7e;--line:#d5dbe3;--bad:#b3261e;--warn:#9a6700;--ok:#1e7b34}
html.en .l-id,html:not(.en) .l-en{display:none}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0;background:#f6f8fa}
header{background:#12355b;color:#fff;padding:1rem 2rem}header h1{margin:0 0 .3rem;font-size:1.5rem}
header .meta{font-size:.85rem;opacity:.9}main{padding:1rem 2rem;max-width:1200px}
button#lang{float:right;font-size:.9rem;padding:.35rem .8rem;border-radius:4px;border:1px solid #fff;background:transparent;color:#fff;cursor:pointer}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:1rem 1.25rem;margin:1rem 0}
h2{font-size:1.15rem;margin:.2rem 0 .8rem}h3{font-size:1rem;margin:1rem 0 .4rem}
.verdict{font-size:1.1rem;font-weight:600;padding:.6rem 1rem;border-radius:4px}
.verdict.fail{background:#fde7e5;color:var(--bad)}.verdict.warn{background:#fff4d6;color:var(--warn)}.verdict.ok{background:#e3f4e8;color:var(--ok)}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}code{font-size:.78rem;overflow-wrap:anywhere}th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.status-fail{color:var(--bad);font-weight:600}.status-warn{color:var(--warn);font-weight:600}.status-ok{color:var(--ok)}
.chart{max-width:100%;height:auto}.chart .lbl{font-size:11px;fill:#1d2733}.chart .val,.chart .tick{font-size:10px;fill:#5d6d7e}
.chart .axis{stroke:#5d6d7e}.chart .grid{stroke:#e5e9ee}.chart .threshold{stroke:#b3261e;stroke-dasharray:5 3;stroke-width:1.5}
.legend{font-size:.8rem;margin:.2rem 0 .6rem}.key{margin-right:1rem}.key i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
.note{color:var(--muted);font-size:.82rem;font-weight:normal}td.d{white-space:nowrap}.heat td.n{min-width:4.2rem}details{margin:.3rem 0}
"""

SCRIPT = """
(function(){var root=document.documentElement;
function set(l){root.classList.toggle('en',l==='en');root.lang=l;}
set(location.hash==='#en'?'en':'id');
document.getElementById('lang').addEventListener('click',function(){set(root.classList.contains('en')?'id':'en');});})();
"""


def _heat(share) -> str:
    if share is None:
        return ""
    # green at >= 98 %, red at <= 80 %
    level = max(0.0, min(1.0, (share - 0.80) / 0.18))
    red, green = int(230 - 120 * level), int(120 + 100 * level)
    return f' style="background:rgb({red},{green},140)"'


def _outcome_rows(outcomes) -> str:
    order = sorted(outcomes, key=lambda o: (o.success, not o.blocking, o.suite, o.check))
    rows = []
    for o in order:
        if o.success:
            status = f'<td class="status-ok">{t("LULUS", "PASSED")}</td>'
        elif o.blocking:
            status = f'<td class="status-fail">{t("GAGAL (memblokir)", "FAILED (blocking)")}</td>'
        else:
            status = f'<td class="status-warn">{t("PERINGATAN", "WARNING")}</td>'
        if o.error:
            observed = e(o.error)
        elif o.expectation == "unexpected_rows_expectation":
            observed = t(f"{o.observed} baris melanggar", f"{o.observed} rows breach")
        elif o.observed is not None:
            observed = t(f"lulus {pct(o.observed, 2)}", f"{pct(o.observed, 2)} pass")
        else:
            observed = "–"
        threshold = "<br>".join(f"<code>{e(k)}</code> = {e(v)}" for k, v in o.thresholds.items()
                                if not k.split(".")[-1].startswith("severity")) or "–"
        detail = ""
        if not o.success and o.rows:
            sample = "".join(f"<li>{e(_row(r))}</li>" for r in o.rows[:10])
            detail = f"<details><summary>{t('contoh', 'examples')}</summary><ul>{sample}</ul></details>"
        rows.append(f"<tr>{status}<td>{t(e(o.label_id), e(o.label_en))}<br><code>{e(o.suite)}/{e(o.check)}</code></td>"
                    f"<td><code>{e(o.table)}</code>{'<br>' + e(o.delivery) if o.delivery else ''}</td>"
                    f"<td>{observed}{detail}</td><td>{threshold}</td><td>{e(o.severity)}</td></tr>")
    return "".join(rows)


def _row(row) -> str:
    if isinstance(row, dict):
        return ", ".join(f"{k}={v}" for k, v in row.items())
    return str(row)


CHANGES_TITLE = t("Kiriman dibanding kiriman sebelumnya", "Deliveries against the previous delivery")
CHECK_LABELS = {
    "row_count": ("Jumlah baris", "Row count"),
    "identifiers_kept": ("Pengenal yang masih ada", "Identifiers carried over"),
    "null_rate": ("Porsi nilai kosong", "Share of blank values"),
    "code_shift": ("Sebaran kode", "Code distribution"),
}


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


def _change_values(row: dict) -> tuple[str, str, str]:
    """Previous value, current value and change, each as the check measures it."""
    check, previous, current, change = (row[k] for k in ("check_name", "previous_value", "current_value", "change"))
    if check == "row_count":
        return num(previous), num(current), pct(change)
    if change is None:
        shown = "–"
    elif check == "identifiers_kept":
        shown = t(f"{pct(change)} masih ada", f"{pct(change)} kept")
    elif check == "null_rate":
        shown = pct(change) + t(" poin", " points")
    else:
        shown = t(f"jarak variasi total {change:.3f}".replace(".", ","), f"total variation distance {change:.3f}")
    if check == "identifiers_kept":
        return num(previous), num(current), shown
    code = f'<code>{e(row["code"])}</code>: ' if row.get("code") is not None else ""
    return code + pct(previous), code + pct(current), shown


def delivery_changes_section(run) -> str:
    """Every delivery check: the previous and the current delivery side by side, both values,
    the change and the verdict of the delivery_changes suite."""
    rows = run.figures.get("delivery_changes")
    if rows is None:
        return (f'<section id="perubahan-kiriman"><h2>{CHANGES_TITLE}</h2>'
                f'<p>{t("Tidak tersedia di gudang data ini.", "Not available in this warehouse.")}</p></section>')
    verdicts = _change_verdicts(run.outcomes)
    suite_errors = [o for o in run.outcomes if o.suite == "delivery_changes" and o.error]
    body = []
    for row in rows:
        key = (row["source"], row["file_name"], row["check_name"], row["column_name"])
        failed = verdicts.get(key)
        if row["comparison"] == "first_delivery":
            css, verdict = "ok", t("Kiriman pertama: tidak ada pembanding (lulus)",
                                   "First delivery: nothing to compare (passed)")
        elif failed is not None and failed.blocking:
            css, verdict = "fail", t("GAGAL (memblokir)", "FAILED (blocking)")
        elif failed is not None:
            css, verdict = "warn", t("PERINGATAN", "WARNING")
        else:
            css, verdict = "ok", t("LULUS", "PASSED")
        if failed is not None:
            verdict += f'<br><span class="note">{t(e(failed.label_id), e(failed.label_en))}: ' + ", ".join(
                f"<code>{e(k)}</code> = {e(v)}" for k, v in failed.thresholds.items()
                if not k.split(".")[-1].startswith("severity")) + "</span>"
        previous, current, change = _change_values(row)
        label = CHECK_LABELS.get(row["check_name"], (row["check_name"], row["check_name"]))
        check_key = "/".join(str(part or "") for part in key)
        body.append(f'<tr class="change {css}" data-check="{e(check_key)}"><td>{e(row["source"])}</td>'
                    f'<td>{e(row["file_name"])}</td><td>{t(*label)}</td><td>{e(row["column_name"] or "–")}</td>'
                    f'<td class="d">{e(row["previous_delivery"] or "–")}</td><td class="n">{previous}</td>'
                    f'<td class="d">{e(row["current_delivery"])}</td><td class="n">{current}</td>'
                    f'<td class="n">{change}</td><td class="status-{css}">{verdict}</td></tr>')
    errors = "".join(f'<p class="status-fail">{e(o.check)}: {e(o.error)}</p>' for o in suite_errors)
    # The results store keeps a sample of an expectation's rows: were some left out, the
    # verdicts above miss them, and the report says so rather than show them as passed.
    for o in run.outcomes:
        if (o.suite == "delivery_changes" and not o.success and not o.error
                and isinstance(o.observed, int) and o.observed > len(o.rows)):
            listed = len(o.rows)
            errors += (f'<p class="status-fail">{e(o.check)}: '
                       + t(f"{o.observed} pelanggaran, hanya {listed} tercantum di atas",
                           f"{o.observed} breaches, only {listed} marked above") + "</p>")
    return f"""<section id="perubahan-kiriman"><h2>{CHANGES_TITLE}</h2>
<p class="note">{t("Setiap sumber: kiriman saat ini dibanding kiriman terpakai sebelumnya, per berkas. Penurunan ekstrem memblokir; pergeseran ringan menjadi peringatan (expectations/thresholds.yml, delivery_changes).",
                   "Each source: the current delivery against the previous usable one, file by file. An extreme drop blocks; milder shifts warn (expectations/thresholds.yml, delivery_changes).")}</p>{errors}
<table><thead><tr><th>{t("Sumber", "Source")}</th><th>{t("Berkas", "File")}</th><th>{t("Pemeriksaan", "Check")}</th><th>{t("Kolom", "Column")}</th>
<th>{t("Kiriman sebelumnya", "Previous delivery")}</th><th>{t("Nilai sebelumnya", "Previous value")}</th>
<th>{t("Kiriman saat ini", "Current delivery")}</th><th>{t("Nilai saat ini", "Current value")}</th>
<th>{t("Perubahan", "Change")}</th><th>{t("Putusan", "Verdict")}</th></tr></thead>
<tbody>{"".join(body) or '<tr><td colspan="10">–</td></tr>'}</tbody></table></section>"""


def refused_deliveries_section(run) -> str:
    """Every refused delivery file, and every folder that is no known source (no delivery,
    no file): source, delivery, file, problem."""
    rows = run.figures.get("refused_deliveries") or []
    body = "".join(
        # a folder that is no known source has no delivery and no file
        f'<tr class="refused"><td>{e(r["source"])}</td>'
        f'<td>{"–" if r["delivery"] is None else e(r["delivery"])}</td>'
        f'<td>{"–" if r["file_name"] is None else e(r["file_name"])}</td><td>{e(r["problem"] or "–")}</td></tr>'
        for r in rows)
    return f"""<section id="kiriman-ditolak"><h2>{t(f"Kiriman ditolak ({len(rows)})", f"Refused deliveries ({len(rows)})")}</h2>
<p class="note">{t("Kiriman yang ditolak tidak dipakai; kiriman terpakai sebelumnya dari sumber itu tetap berlaku. Folder yang bukan sumber gudang data ini juga tercantum.",
                   "A refused delivery is not used; the source's previous usable delivery stays current. Folders that are no source this warehouse reads are listed too.")}</p>
<table><thead><tr><th>{t("Sumber / folder", "Source / folder")}</th><th>{t("Kiriman", "Delivery")}</th><th>{t("Berkas", "File")}</th><th>{t("Masalah", "Problem")}</th></tr></thead>
<tbody>{body or '<tr><td colspan="4">' + t("Tidak ada.", "None.") + '</td></tr>'}</tbody></table></section>"""


def write(run, history: list[dict], path: Path) -> Path:
    f = run.figures
    blocking, warnings = len(run.blocking_failures), len(run.warnings)
    if blocking:
        text = t(f"GAGAL: {blocking} pemeriksaan memblokir gagal, {warnings} peringatan",
                 f"FAILED: {blocking} blocking checks failed, {warnings} warnings")
        verdict = f'<div class="verdict fail">{text}</div>'
    elif warnings:
        verdict = f'<div class="verdict warn">{t(f"LULUS dengan {warnings} peringatan", f"PASSED with {warnings} warnings")}</div>'
    else:
        verdict = f'<div class="verdict ok">{t("LULUS: semua pemeriksaan terpenuhi", "PASSED: every check met")}</div>'

    sections = [f"""<section id="ringkasan"><h2>{t("Ringkasan pemeriksaan", "Summary of checks")}</h2>{verdict}
<p class="note">{t(f"{len(run.outcomes)} ekspektasi Great Expectations dijalankan pada tabel DuckDB; ambang batas dari expectations/thresholds.yml.",
                   f"{len(run.outcomes)} Great Expectations expectations run on the DuckDB tables; thresholds from expectations/thresholds.yml.")}</p>
<table><thead><tr><th>{t("Status", "Status")}</th><th>{t("Pemeriksaan", "Check")}</th><th>{t("Tabel / kiriman", "Table / delivery")}</th>
<th>{t("Hasil", "Observed")}</th><th>{t("Ambang batas", "Threshold")}</th><th>{t("Tingkat", "Severity")}</th></tr></thead>
<tbody>{_outcome_rows([o for o in run.outcomes if not o.success]) or '<tr><td colspan="6">–</td></tr>'}</tbody></table>
<details><summary>{t(f"{sum(o.success for o in run.outcomes)} pemeriksaan lulus", f"{sum(o.success for o in run.outcomes)} checks passed")}</summary>
<table><tbody>{_outcome_rows([o for o in run.outcomes if o.success])}</tbody></table></details></section>"""]

    sections += [delivery_changes_section(run), refused_deliveries_section(run)]

    # NIK validity per source and province.
    thresholds = {o.table: o.thresholds for o in run.outcomes if o.check == "nik_valid"}
    valid = f.get("nik_valid_share", {})
    items = [(s, valid.get(s)) for s in SOURCES]
    nik_parts = [bar_chart(items, title="NIK valid per sumber")]
    nik_parts.append("<table><thead><tr><th>" + t("Sumber", "Source") + "</th><th>" + t("Kiriman", "Delivery") + "</th><th>"
                     + t("NIK valid", "Valid NIK") + "</th><th>" + t("Ambang batas", "Threshold") + "</th></tr></thead><tbody>"
                     + "".join(f'<tr><td>{e(s)}</td><td>{e(f.get("current_delivery", {}).get(s, "–"))}</td>'
                               f'<td class="n" data-figure="nik-valid-{e(s)}">{pct(valid.get(s), 2)}</td>'
                               f'<td class="n">{e(next(iter(v.values()))) if (v := next((th for tb, th in thresholds.items() if s in tb.split("__")[0]), None)) else "–"}</td></tr>'
                               for s in SOURCES) + "</tbody></table>")
    status_rows = "".join(f'<tr><td>{e(r["source"])}</td><td>{e(r["nik_status"])}</td><td class="n">{num(r["records"])}</td>'
                          f'<td class="n">{pct(r["share"], 2)}</td></tr>' for r in f.get("nik_status", []))
    nik_parts.append(f"<details><summary>{t('Rincian status NIK', 'NIK status breakdown')}</summary><table><thead><tr><th>"
                     f"{t('Sumber', 'Source')}</th><th>{t('Status', 'Status')}</th><th>{t('Catatan', 'Records')}</th><th>"
                     f"{t('Porsi', 'Share')}</th></tr></thead><tbody>{status_rows}</tbody></table></details>")
    split = {(r["source"], r["birth_date_check"]): r["records"] for r in f.get("nik_birth_date_checks") or []}
    nik_parts.append(f"<h3>{t('NIK tidak sesuai tanggal lahir: NIK salah atau tanggal lahir salah', 'NIK disagrees with the birth date: wrong NIK or wrong birth date')}</h3>"
                     f"<table><thead><tr><th>{t('Sumber', 'Source')}</th><th>{t('NIK tidak valid', 'NIK invalid')}</th>"
                     f"<th>{t('Tanggal lahir berbeda dari register untuk NIK ini (NIK benar)', 'Birth date disagrees with the register for this NIK (NIK correct)')}</th></tr></thead><tbody>"
                     + "".join(f'<tr><td>{e(s)}</td><td class="n" data-figure="nik-invalid-birth-{e(s)}">{num(split.get((s, "nik_invalid"), 0))}</td>'
                               f'<td class="n" data-figure="birth-date-register-{e(s)}">{num(split.get((s, "birth_date_differs_from_register"), 0))}</td></tr>'
                               for s in SOURCES) + "</tbody></table>")
    provinces: dict[tuple[str, str], dict[str, tuple]] = {}
    for r in f.get("nik_by_province", []):
        provinces.setdefault((r["kode_provinsi"], r["nama_provinsi"]), {})[r["source"]] = (r["valid_share"], r["records"])
    heat = "".join(
        f'<tr><td>{e(code)}</td><td>{e(name)}</td>'
        + "".join(f'<td class="n"{_heat(cells.get(s, (None,))[0])} title="{e(cells.get(s, (None, 0))[1])}">'
                  f'{pct(cells.get(s, (None,))[0])}</td>' for s in SOURCES) + "</tr>"
        for (code, name), cells in sorted(provinces.items()))
    nik_parts.append(f"<h3>{t('NIK valid per provinsi dan sumber', 'Valid NIK by province and source')}</h3>"
                     f'<table class="heat"><thead><tr><th>{t("Kode", "Code")}</th><th>{t("Provinsi", "Province")}</th>'
                     + "".join(f"<th>{s}</th>" for s in SOURCES) + f"</tr></thead><tbody>{heat}</tbody></table>"
                     f'<p class="note">{t("Provinsi menurut desa tempat tinggal pada catatan.", "Province of the village on the record.")}</p>')
    sections.append(f'<section id="nik"><h2>{t("Validitas NIK per sumber dan provinsi", "NIK validity by source and province")}</h2>{"".join(nik_parts)}</section>')

    # Duplicates and match rates.
    dup_rows = "".join(f'<tr><td>{e(r["duplicate_kind"])}</td><td>{e(r["source"])}</td><td class="n">{num(r["records"])}</td>'
                       f'<td class="n">{num(r["groups"])}</td></tr>' for r in f.get("duplicates", []))
    match = f.get("match_rates", [])
    sections.append(f"""<section id="duplikat"><h2>{t("Duplikat ditemukan dan tingkat kecocokan", "Duplicates found and match rates")}</h2>
<table><thead><tr><th>{t("Jenis duplikat", "Duplicate kind")}</th><th>{t("Sumber", "Source")}</th><th>{t("Catatan", "Records")}</th><th>{t("Kelompok", "Groups")}</th></tr></thead>
<tbody>{dup_rows or '<tr><td colspan="4">–</td></tr>'}</tbody></table>
<h3>{t("Tingkat kecocokan dengan Dukcapil (catatan orang)", "Match rate to the civil register (person records)")}</h3>
{bar_chart([(r["source"], r["match_rate"]) for r in match], colour="#117a65", title="match rate")}
<table><thead><tr><th>{t("Sumber", "Source")}</th><th>{t("Catatan", "Records")}</th><th>{t("Cocok NIK", "By NIK")}</th><th>{t("Probabilistik", "Probabilistic")}</th><th>{t("Tidak cocok", "Unmatched")}</th><th>{t("Tingkat kecocokan", "Match rate")}</th></tr></thead>
<tbody>{"".join(f'<tr><td>{e(r["source"])}</td><td class="n">{num(r["records"])}</td><td class="n">{num(r["by_nik"])}</td><td class="n">{num(r["probabilistic"])}</td><td class="n">{num(r["unmatched"])}</td><td class="n" data-figure="match-{e(r["source"])}">{pct(r["match_rate"], 2)}</td></tr>' for r in match)}</tbody></table></section>""")

    # Targeting errors by programme.
    admin = f.get("targeting_administrative")
    if admin is not None:
        programs = [r["program"] for r in admin]
        limits = {k: v for o in run.outcomes for k, v in o.thresholds.items() if k.startswith("targeting.max_data")}
        chart = grouped_bars(programs, [
            ("Inclusion error", COLOURS["inclusion"], [r["inclusion_error_rate"] for r in admin]),
            ("Exclusion error", COLOURS["exclusion"], [r["exclusion_error_rate"] for r in admin]),
            (t("Data bermasalah", "Data errors"), COLOURS["data"], [r["data_error_rate"] for r in admin]),
        ], threshold=next(iter(limits.values()), None), title="targeting errors")
        rows = "".join(
            f'<tr><td>{e(r["program"])}</td><td class="n">{num(r["jumlah_penerima"])}</td><td class="n" data-figure="inclusion-{e(r["program"])}">{pct(r["inclusion_error_rate"])}</td>'
            f'<td class="n">{num(r["jumlah_layak"])}</td><td class="n" data-figure="exclusion-{e(r["program"])}">{pct(r["exclusion_error_rate"])}</td>'
            f'<td class="n">{num(r["penerima_data_bermasalah"])}</td><td class="n" data-figure="data-error-{e(r["program"])}">{pct(r["data_error_rate"])}</td></tr>'
            for r in admin)
        breaches = "".join(
            f'<li><b>{t(e(o.label_id), e(o.label_en))}</b> ({e(o.severity)}): '
            + "; ".join(e(_row(r)) for r in o.rows[:8]) + ("…" if len(o.rows) > 8 else "") + "</li>"
            for o in run.outcomes if o.suite.startswith("marts_mart_targeting") and not o.success and o.rows)
        stat = "".join(f'<tr><td>{e(r["program"])}</td><td>{e(r["daftar"])}</td><td class="n">{num(r["jumlah_sampel"])}</td>'
                       f'<td class="n">{pct(r["inclusion_error_rate"])}</td><td class="n">{pct(r["exclusion_error_rate"])}</td></tr>'
                       for r in f.get("targeting_statistical") or [])
        sections.append(f"""<section id="penargetan"><h2>{t("Kesalahan penargetan per program (nasional)", "Targeting errors by programme (national)")}</h2>
{chart}<p class="note">{t("Garis putus-putus: ambang batas data bermasalah.", "Dashed line: data-error threshold.")}</p>
<table><thead><tr><th>{t("Program", "Programme")}</th><th>{t("Penerima", "Recipients")}</th><th>Inclusion error</th><th>{t("Layak", "Eligible")}</th><th>Exclusion error</th><th>{t("Penerima data bermasalah", "Recipients with data errors")}</th><th>{t("Tingkat data bermasalah", "Data-error rate")}</th></tr></thead><tbody>{rows}</tbody></table>
<h3>{t("Program dan wilayah yang melampaui ambang batas", "Programmes and regions over the thresholds")}</h3>
<ul>{breaches or "<li>" + t("Tidak ada.", "None.") + "</li>"}</ul>
<h3>{t("Pengukuran statistik (sampel survei, tertimbang)", "Statistical measurement (survey sample, weighted)")}</h3>
<table><thead><tr><th>{t("Program", "Programme")}</th><th>{t("Daftar", "List")}</th><th>{t("Sampel", "Sample")}</th><th>Inclusion error</th><th>Exclusion error</th></tr></thead><tbody>{stat}</tbody></table></section>""")
    else:
        sections.append(f'<section id="penargetan"><h2>{t("Kesalahan penargetan", "Targeting errors")}</h2><p>{t("Tidak tersedia di gudang data ini.", "Not available in this warehouse.")}</p></section>')

    if f.get("desil_nasional"):
        sections.append(f"""<section id="desil"><h2>{t("Desil nasional: porsi penduduk", "National desil: share of persons")}</h2>
{bar_chart([(f"desil {r['desil_nasional']}", r["share_jiwa"]) for r in f["desil_nasional"]], threshold=0.1, maximum=0.2, colour="#5d6d7e", title="desil")}
<p class="note">{t("Setiap desil seharusnya memuat 10 % penduduk (garis putus-putus).", "Each desil should hold 10 % of persons (dashed line).")}</p></section>""")

    # Trend across runs (this run included).
    dates = [h["run_date"] for h in history]
    nik_series = [(s, [h["figures"].get("nik_valid_share", {}).get(s) for h in history]) for s in SOURCES]
    programs = sorted({r["program"] for h in history for r in h["figures"].get("targeting_administrative") or []})
    data_series = [(p, [next((r["data_error_rate"] for r in h["figures"].get("targeting_administrative") or []
                              if r["program"] == p), None) for h in history]) for p in programs]
    run_rows = "".join(f'<tr><td>{e(h["run_date"])}</td><td class="n">{h["expectations"]}</td><td class="n">{h["blocking_failures"]}</td>'
                       f'<td class="n">{h["warnings"]}</td><td><code>{e(h["db"])}</code></td></tr>' for h in reversed(history[-20:]))
    sections.append(f"""<section id="tren"><h2>{t("Tren antar-run", "Trend across runs")} ({len(history)})</h2>
<h3>{t("NIK valid per sumber", "Valid NIK by source")}</h3>{line_chart(dates, nik_series, title="NIK trend")}
<h3>{t("Tingkat data bermasalah per program", "Data-error rate by programme")}</h3>{line_chart(dates, data_series, title="data error trend") if programs else "–"}
<table><thead><tr><th>{t("Tanggal run", "Run date")}</th><th>{t("Ekspektasi", "Expectations")}</th><th>{t("Gagal memblokir", "Blocking failures")}</th><th>{t("Peringatan", "Warnings")}</th><th>{t("Basis data", "Database")}</th></tr></thead><tbody>{run_rows}</tbody></table></section>""")

    deliveries = "".join(f'<tr><td>{e(r["source"])}</td><td>{e(r["file_name"])}</td><td>{e(r["delivery"])}</td><td class="n">{num(r["manifest_rows"])}</td>'
                         f'<td class="n">{num(r["staged"])}</td><td class="n">{num(r["quarantined"])}</td></tr>' for r in f.get("deliveries", []))
    docs = Path(run.data_docs_path)
    docs_link = docs.relative_to(path.parent) if docs.is_relative_to(path.parent) else docs
    sections.append(f"""<section id="kiriman"><h2>{t("Baris per kiriman: masuk, staging, karantina", "Rows per delivery: in, staged, quarantined")}</h2>
<table><thead><tr><th>{t("Sumber", "Source")}</th><th>{t("Berkas", "File")}</th><th>{t("Kiriman", "Delivery")}</th><th>Manifest</th><th>Staging</th><th>{t("Karantina", "Quarantined")}</th></tr></thead><tbody>{deliveries}</tbody></table></section>
<section id="datadocs"><h2>Great Expectations Data Docs</h2><p><a href="{e(docs_link)}">{e(docs_link)}</a></p>
<p class="note">{t("Data Docs dibuat oleh Great Expectations. Agar terbaca tanpa internet, skrip dan gaya dari CDN dihapus: isi lengkap, tetapi tabel tidak dapat diurutkan dan beberapa grafik Vega tidak tampil.",
                   "Data Docs are written by Great Expectations. So they read offline, their CDN scripts and styles are removed: the content is complete, but tables do not sort and some Vega charts do not show.")}</p></section>""")

    page = f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Laporan Kualitas Data DTSEN / DTSEN Data-Quality Report — {e(run.run_date)}</title><style>{STYLE}</style></head>
<body><header><button id="lang" type="button">{t("English", "Bahasa Indonesia")}</button>
<h1>{t("Laporan Kualitas Data DTSEN", "DTSEN Data-Quality Report")}</h1>
<div class="meta">{t("Tanggal run", "Run date")}: <span data-figure="run-date">{e(run.run_date)}</span> · run {e(run.run_id)} ·
{t("Basis data", "Database")}: <code>{e(run.db)}</code> · {t("Data sintetis: tidak ada NIK asli.", "Synthetic data: no real NIK.")}</div></header>
<main>{"".join(sections)}</main><script>{SCRIPT}</script></body></html>"""
    path.write_text(page, encoding="utf-8")
    return path
