"""Great Expectations' Data Docs, made to read offline.

GX's page templates load Bootstrap, jQuery, bootstrap-table, Vega and Font Awesome from
CDNs (and images from S3). Offline those requests hang or fail. We remove every tag that
would fetch from the network and add a small inline stylesheet beside GX's own (which GX
ships in the site's static/ folder): every table, expectation and result stays readable;
what needs the removed scripts (sortable tables, the Vega charts of some renderers, icons)
does not work offline. The ministries' report (html_report) is the fully offline document.
"""

from __future__ import annotations

import re
from pathlib import Path

_REMOTE_TAG = re.compile(
    r"<script[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>"
    r"|<link[^>]*\bhref=[\"']https?://[^>]*>"
    r"|<img[^>]*\bsrc=[\"']https?://[^>]*>",
    re.IGNORECASE,
)
_OFFLINE_STYLE = """<style id="dtsen-offline">
body{font-family:system-ui,sans-serif;margin:1rem;color:#1d2733}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #c8d0da;padding:.25rem .5rem;vertical-align:top}
.container-fluid{max-width:1200px}
.card{border:1px solid #d5dbe3;border-radius:4px;margin:.75rem 0;padding:.5rem}
.text-danger{color:#b3261e}.text-success{color:#1e7b34}.collapse:not(.show){display:block}
</style>"""
_MARK = 'id="dtsen-offline"'


def make_offline(site: Path) -> Path:
    """Strip network fetches from every page of the site; return its index.html."""
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if _MARK in html:
            continue  # already done on an earlier run
        html = _REMOTE_TAG.sub("", html)
        html = html.replace("</head>", _OFFLINE_STYLE + "</head>", 1)
        page.write_text(html, encoding="utf-8")
    return site / "index.html"


def remote_references(site: Path) -> list[str]:
    """Tags left in the site that would fetch from the network (empty when offline-ready)."""
    return [
        m.group(0)
        for page in site.rglob("*.html")
        for m in _REMOTE_TAG.finditer(page.read_text(encoding="utf-8"))
    ]
