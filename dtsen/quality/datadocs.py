"""Great Expectations' Data Docs, made to work offline.

GX's page templates load jQuery, Bootstrap, bootstrap-table (which draws the index's list of
runs from data in the page), a date picker and Font Awesome (the pass/fail marks) from CDNs,
and the logo from S3. Offline those requests fail: the index lists no run and a validation
page shows no status. GX declined to ship them, so the project installs the same packages
from the npm registry (assets/datadocs/package.json, at the versions GX's templates name;
scripts/bootstrap.sh installs them) and this module copies them into the site's static/
folder and points every page at those copies: the site is a folder that works anywhere,
with no network, zipped or copied as it is.

Dropped, not served: Vega (GX loads it on every page; only profiling renderers draw with it,
and no page of this project does) and any address not in _CDN (a newer GX's), which is
reported. Without the installed packages the tags are dropped too and a small inline
stylesheet keeps the tables readable; the command says what to run.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from functools import partial
from pathlib import Path

from dtsen.project import PROJECT_DIR

ASSETS = PROJECT_DIR / "assets" / "datadocs" / "node_modules"
VENDOR = Path("static") / "vendor"  # inside the site

# CDN address in GX's templates -> the same file of the npm package of that version
# (bootstrap-table's filter-control stylesheet is named at 1.19.0: the 1.19.1 file serves it;
# popper.js at 1.14.7, the version bootstrap 4.3.1 asks for, where GX names 1.12.9).
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs/"
_FILTER = "extensions/filter-control/bootstrap-table-filter-control"  # bootstrap-table's filters
_CDN = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    _CDNJS + "popper.js/1.12.9/umd/popper.min.js": "popper.js/dist/umd/popper.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap/dist/css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap/dist/js/bootstrap.min.js"
    ),
    **{
        f"https://unpkg.com/bootstrap-table@{version}/dist/{file}": f"bootstrap-table/dist/{file}"
        for version, file in [
            ("1.19.1", "bootstrap-table.min.css"),
            ("1.19.1", "bootstrap-table.min.js"),
            ("1.19.1", f"{_FILTER}.min.js"),
            ("1.19.0", f"{_FILTER}.css"),
            ("1.19.0", f"{_FILTER}.min.css"),
        ]
    },
    _CDNJS + "bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css"
    ),
    _CDNJS + "bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css"
    ),
    _CDNJS + "font-awesome/6.6.0/css/all.min.css": "@fortawesome/fontawesome-free/css/all.min.css",
}
# Files a served stylesheet loads by a relative address (Font Awesome's ../webfonts/).
_BESIDE = ["@fortawesome/fontawesome-free/webfonts"]
_DROPPED = re.compile(r"^https://cdn\.jsdelivr\.net/npm/vega(-lite|-embed)?@\d+$")
# GX's own images, which the templates take from S3 although the site holds them.
_GX_IMAGES = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"

_REMOTE_TAG = re.compile(
    r"<script[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>"
    r"|<link[^>]*\bhref=[\"']https?://[^>]*>"
    r"|<img[^>]*\bsrc=[\"']https?://[^>]*>",
    re.IGNORECASE,
)
# An image GX's inline stylesheet takes from S3 (the dark theme's logo); only inside <style>,
# so a value in a result that reads like url(...) is left as it is.
_STYLE = re.compile(r"<style\b.*?</style>", re.IGNORECASE | re.DOTALL)
_CSS_URL = re.compile(r"url\(\s*[\"']?(https?://[^\"')]+)[\"']?\s*\)", re.IGNORECASE)
_ADDRESS = re.compile(r"\b(?:src|href)=[\"'](https?://[^\"']+)[\"']", re.IGNORECASE)
# Subresource integrity and CORS mode cannot be met by a file:// copy: the browser would refuse it.
_CORS_ATTRIBUTES = re.compile(r"\s(?:integrity|crossorigin)=(?:\"[^\"]*\"|'[^']*'|\S+)", re.IGNORECASE)
_FALLBACK_STYLE = """<style id="dtsen-offline">
body{font-family:system-ui,sans-serif;margin:1rem;color:#1d2733}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #c8d0da;padding:.25rem .5rem;vertical-align:top}
.card{border:1px solid #d5dbe3;border-radius:4px;margin:.75rem 0;padding:.5rem}
.text-danger{color:#b3261e}.text-success{color:#1e7b34}.collapse:not(.show){display:block}
</style>"""
_MARK = "<!-- dtsen: offline -->"  # at the end: a comment before <!DOCTYPE> means quirks mode


def assets_installed(assets: Path = ASSETS) -> bool:
    return all((assets / file).is_file() for file in _CDN.values())


def make_offline(site: Path, assets: Path = ASSETS) -> Path:
    """Point every page of the site at local copies of what it would fetch; return its index.html."""
    served = assets_installed(assets)
    if served:
        _copy_assets(assets, site / VENDOR)
    else:
        print(
            f"warning: Data Docs in {site}: the packages they load are not installed in {assets}"
            " (run scripts/bootstrap.sh, which needs npm): their pages stay readable, but the index"
            " lists no runs and results show no status marks",
            file=sys.stderr,
        )
    unknown: set[str] = set()
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if _MARK in html:
            continue  # done on an earlier run
        static = Path(os.path.relpath(site / "static", page.parent)).as_posix()
        html = _REMOTE_TAG.sub(
            partial(_local_tag, site=site, static=static, served=served, unknown=unknown), html
        )
        local_url = partial(_local_url, site=site, static=static, unknown=unknown)
        html = _STYLE.sub(lambda style, sub=local_url: _CSS_URL.sub(sub, style.group(0)), html)
        if not served:
            html = html.replace("</head>", _FALLBACK_STYLE + "</head>", 1)
        page.write_text(html + "\n" + _MARK + "\n", encoding="utf-8")
    if unknown:
        print(
            f"warning: Data Docs in {site}: addresses dtsen does not serve were removed (a newer GX?): "
            + ", ".join(sorted(unknown)),
            file=sys.stderr,
        )
    return site / "index.html"


def _local_tag(match: re.Match, site: Path, static: str, served: bool, unknown: set[str]) -> str:
    tag = match.group(0)
    address = _ADDRESS.search(tag).group(1)
    if address.startswith(_GX_IMAGES):
        image = _gx_image(address, site, static)
        return tag.replace(address, image) if image else ""
    if address in _CDN and served:
        local = f"{static}/{VENDOR.name}/{_CDN[address]}"
        return _CORS_ATTRIBUTES.sub("", tag.replace(address, local))
    if address not in _CDN and not _DROPPED.match(address):
        unknown.add(address)
    return ""


def _local_url(match: re.Match, site: Path, static: str, unknown: set[str]) -> str:
    """A stylesheet's url(): GX's image from the site when it holds it, else no image."""
    address = match.group(1)
    if not address.startswith(_GX_IMAGES):
        unknown.add(address)
    image = _gx_image(address, site, static)
    return f"url('{image}')" if image else "none"


def _gx_image(address: str, site: Path, static: str) -> str | None:
    """The site's own copy of an image GX's templates take from S3, when it has one."""
    if not address.startswith(_GX_IMAGES):
        return None
    name = address[len(_GX_IMAGES) :].split("?")[0]
    return f"{static}/images/{name}" if (site / "static" / "images" / name).is_file() else None


def _copy_assets(assets: Path, vendor: Path) -> None:
    for file in _CDN.values():
        target = vendor / file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(assets / file, target)
    for folder in _BESIDE:
        shutil.copytree(assets / folder, vendor / folder, dirs_exist_ok=True)
    for package in {file.split("/dist/")[0].split("/css/")[0] for file in _CDN.values()}:
        for licence in (assets / package).glob("LICEN[CS]E*"):  # the copies travel with their licences
            shutil.copyfile(licence, vendor / package / licence.name)


def remote_references(site: Path) -> list[str]:
    """Tags left in the site that would fetch from the network (empty when offline-ready)."""
    found = []
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        found += [m.group(0) for m in _REMOTE_TAG.finditer(html)]
        found += [m.group(0) for style in _STYLE.finditer(html) for m in _CSS_URL.finditer(style.group(0))]
    return found
