"""Suites and thresholds as versioned files in expectations/.

A suite file (expectations/suites/*.yml) names the table it validates and lists Great
Expectations expectations in GX's own configuration shape (type, kwargs, severity, meta).
Numbers come from expectations/thresholds.yml as `${dotted.name}`; a file with `for_each`
is one suite per item, its `${key}`s filled from the item first. The targeting maxima are
dbt vars (dbt_project.yml), so the marts and the suites share one number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dtsen.project import PROJECT_DIR

EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
_PLACEHOLDER = re.compile(r"\$\{([\w.]+)\}")


@dataclass
class Suite:
    name: str
    table: str  # schema.table
    description: str
    expectations: list[dict]
    # threshold name -> value, per expectation (same order), for messages and the report
    thresholds: list[dict[str, object]] = field(default_factory=list)

    @property
    def schema(self) -> str:
        return self.table.split(".")[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".")[1]


def load_thresholds(path: Path | None = None, dbt_project: Path | None = None) -> dict[str, object]:
    """Flat {dotted name: value}, with {dbt_var: name} resolved from dbt_project.yml vars."""
    raw = yaml.safe_load((path or EXPECTATIONS_DIR / "thresholds.yml").read_text(encoding="utf-8"))
    dbt_vars = (
        yaml.safe_load((dbt_project or PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8")).get(
            "vars"
        )
        or {}
    )
    flat: dict[str, object] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict) and set(value) == {"dbt_var"}:
            if value["dbt_var"] not in dbt_vars:
                raise KeyError(
                    f"threshold {prefix} reads dbt var {value['dbt_var']!r}, "
                    "which dbt_project.yml does not define"
                )
            flat[prefix] = dbt_vars[value["dbt_var"]]
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        else:
            flat[prefix] = value

    walk("", raw)
    return flat


def _substitute(text: str, values: dict[str, object], used: dict[str, object] | None, where: str) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"{where}: unknown threshold ${{{name}}} (expectations/thresholds.yml)")
        if used is not None:
            used[name] = values[name]
        return str(values[name])

    return _PLACEHOLDER.sub(replace, text)


def load_suites(thresholds: dict[str, object], folder: Path | None = None) -> list[Suite]:
    suites = []
    for path in sorted((folder or EXPECTATIONS_DIR / "suites").glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        items = yaml.safe_load(text).get("for_each") or [{}]
        for item in items:
            # The item's own keys first (a name like ${source}), then the thresholds.
            own = re.sub(r"\$\{(\w+)\}", lambda m, item=item: str(item.get(m.group(1), m.group(0))), text)
            spec = yaml.safe_load(_PLACEHOLDER.sub(lambda m: f"THRESHOLD({m.group(1)})", own))
            for one in spec.get("suites") or [spec]:  # a file holds one suite or a list of them
                suite = Suite(
                    name=one["suite"],
                    table=one["table"],
                    description=one.get("description", "").strip(),
                    expectations=[],
                )
                for position, expectation in enumerate(one["expectations"]):
                    used: dict[str, object] = {}
                    filled = _fill(expectation, thresholds, used, f"{path.name} {suite.name} #{position + 1}")
                    suite.expectations.append(filled)
                    suite.thresholds.append(used)
                suites.append(suite)
    return suites


def _fill(value, thresholds, used, where):
    """Replace the THRESHOLD(name) markers (placeholders kept through YAML parsing) by threshold
    values; a marker that is the whole scalar takes the value's own type (0.85, not '0.85')."""
    if isinstance(value, dict):
        return {key: _fill(item, thresholds, used, where) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, thresholds, used, where) for item in value]
    if isinstance(value, str) and "THRESHOLD(" in value:
        whole = re.fullmatch(r"THRESHOLD\(([\w.]+)\)", value)
        if whole:
            name = whole.group(1)
            _substitute(f"${{{name}}}", thresholds, used, where)
            return thresholds[name]
        return _substitute(re.sub(r"THRESHOLD\(([\w.]+)\)", r"${\1}", value), thresholds, used, where)
    return value
