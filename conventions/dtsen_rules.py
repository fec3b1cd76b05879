"""This project's conventions as dbt-score rules: dbt-project-evaluator's rules, read from manifest.json.

dbt-score (conventions/pyproject.toml) loads this module; scripts/check_conventions.py runs dbt-score
and applies conventions/exceptions.csv. Each rule names the evaluator rule it follows, so that a
reader can look up the reasoning there (https://dbt-labs.github.io/dbt-project-evaluator/).

A model's type, as the evaluator decides it: the deepest folder of its path that names a type
(`base` inside `staging/<source>/base/`, else `staging`, `intermediate`, `marts`), else its name's
prefix, else `other`. One difference: a base_ model in a staging folder is a base model, so that
a misplaced base model is reported once (model_directory), not also as staging read by staging.
"""

import re
from pathlib import PurePosixPath

from dbt_score import Model, RuleViolation, Source, rule

FOLDER_TYPES = {"base": "base", "staging": "staging", "intermediate": "intermediate", "marts": "marts"}
PREFIX_TYPES = {
    "base_": "base",
    "stg_": "staging",
    "int_": "intermediate",
    "fct_": "marts",
    "dim_": "marts",
    "mart_": "marts",
}
# Names by type: staging and base name their source and its table (`stg_<source>__<table>`).
NAME_PATTERNS = {
    "base": re.compile(r"base_(?P<source>[a-z0-9]+(?:_[a-z0-9]+)*)__[a-z0-9_]+"),
    "staging": re.compile(r"stg_(?P<source>[a-z0-9]+(?:_[a-z0-9]+)*)__[a-z0-9_]+"),
    "intermediate": re.compile(r"int_[a-z0-9_]+"),
    "marts": re.compile(r"(?:fct|dim|mart)_[a-z0-9_]+"),
}
STAGING_LAYER = {"staging", "base"}
DOWNSTREAM_LAYER = {"intermediate", "marts"}
# Tests that make a primary key: unique and not_null on one column, or one composite test.
COMPOSITE_KEY_TESTS = {"unique_combination_of_columns"}


def model_type(node: Model) -> str:
    """The evaluator's model type: deepest folder naming a type, else the name's prefix."""
    folders = PurePosixPath(node.original_file_path).parts[:-1]
    for folder in reversed(folders):
        if folder in FOLDER_TYPES:
            if FOLDER_TYPES[folder] == "staging" and node.name.startswith("base_"):
                return "base"
            return FOLDER_TYPES[folder]
    for prefix, kind in PREFIX_TYPES.items():
        if node.name.startswith(prefix):
            return kind
    return "other"


def prefix_type(name: str) -> str | None:
    return next((kind for prefix, kind in PREFIX_TYPES.items() if name.startswith(prefix)), None)


def parent_models(node: Model) -> list[Model]:
    return [parent for parent in node.parents if isinstance(parent, Model)]


def parent_sources(node: Model) -> list[Source]:
    return [parent for parent in node.parents if isinstance(parent, Source)]


def names(nodes) -> str:
    return ", ".join(sorted({getattr(n, "selector_name", n.name) for n in nodes}))


@rule
def staging_reads_staging(model: Model, intake_models: list[str] = []) -> RuleViolation | None:  # noqa: B006
    """Staging models never read staging models (fct_staging_dependent_on_staging).

    They read sources or base models. A base model counts as staging here too, because base
    models are the staging layer's first step and stay one per delivered table. The intake
    models (conventions/pyproject.toml says why) are the landing ledger every staging model
    reads to know which delivery is current, not a staged table.
    """
    kind = model_type(model)
    if kind not in STAGING_LAYER:
        return None
    read = [
        p
        for p in parent_models(model)
        if p.name not in intake_models
        and (model_type(p) == "staging" or (model_type(p) == "base" and kind == "base"))
    ]
    if read:
        return RuleViolation(f"{kind} model reads staging model(s): {names(read)}.")


@rule
def staging_reads_downstream(model: Model) -> RuleViolation | None:
    """Staging models never read intermediate models or marts.

    fct_staging_dependent_on_marts_or_intermediate.
    """
    if model_type(model) not in STAGING_LAYER:
        return None
    read = [p for p in parent_models(model) if model_type(p) in DOWNSTREAM_LAYER]
    if read:
        return RuleViolation(f"staging model reads intermediate/mart model(s): {names(read)}.")


@rule
def downstream_reads_source(model: Model) -> RuleViolation | None:
    """Intermediate models and marts never read a source (fct_marts_or_intermediate_dependent_on_source)."""
    if model_type(model) in DOWNSTREAM_LAYER and parent_sources(model):
        return RuleViolation(f"reads source(s) directly: {names(parent_sources(model))}.")


@rule
def direct_join_to_source(model: Model, intake_models: list[str] = []) -> RuleViolation | None:  # noqa: B006
    """A model reads either sources or models, not both (fct_direct_join_to_source).

    Reading a source together with the intake (which delivery of it to read) is no join.
    """
    models = [p for p in parent_models(model) if p.name not in intake_models]
    if parent_sources(model) and models:
        return RuleViolation(f"joins source(s) {names(parent_sources(model))} with model(s) {names(models)}.")


@rule
def multiple_sources_joined(model: Model) -> RuleViolation | None:
    """A model reads at most one source (fct_multiple_sources_joined)."""
    if len(parent_sources(model)) > 1:
        return RuleViolation(f"reads several sources: {names(parent_sources(model))}.")


@rule
def source_fanout(source: Source) -> RuleViolation | None:
    """A source is read by one model only, its base or staging model (fct_source_fanout)."""
    readers = [child for child in source.children if isinstance(child, Model)]
    if len(readers) > 1:
        return RuleViolation(f"read by several models: {names(readers)}.")


@rule
def root_model(model: Model) -> RuleViolation | None:
    """Every model reads a source, a seed, a snapshot or a model (fct_root_models)."""
    if not model.parents:
        return RuleViolation("reads nothing declared in the project: lineage starts nowhere.")


@rule
def rejoined_upstream_concept(model: Model) -> RuleViolation | None:
    """No rejoined concepts (fct_rejoining_of_upstream_concepts).

    A model C reads A and B, B reads A, and B has no reader but C: B's logic belongs in C,
    or B should be read instead of A. A mart B is never such a middle: it is published, and
    read outside the project.
    """
    found = []
    direct = {p.unique_id for p in model.parents}
    for middle in parent_models(model):
        if model_type(middle) == "marts" or [c.unique_id for c in middle.children] != [model.unique_id]:
            continue
        for grandparent in middle.parents:
            if grandparent.unique_id in direct:
                found.append(
                    f"{getattr(grandparent, 'selector_name', grandparent.name)}"
                    f" -> {middle.name} -> {model.name}"
                )
    if found:
        return RuleViolation("rejoins an upstream concept: " + "; ".join(sorted(found)) + ".")


@rule
def model_fanout(model: Model, max_leaf_children: int = 3) -> RuleViolation | None:
    """A model feeds fewer than `max_leaf_children` leaf models directly (fct_model_fanout).

    Many leaf children of one parent usually repeat logic that belongs upstream.
    """
    leaves = [c for c in model.children if isinstance(c, Model) and not c.children]
    if len(leaves) >= max_leaf_children:
        return RuleViolation(f"{len(leaves)} leaf models read it directly: {names(leaves)}.")


@rule
def too_many_joins(model: Model, max_parents: int = 7) -> RuleViolation | None:
    """A model reads fewer than `max_parents` relations (fct_too_many_joins)."""
    if len(model.parents) >= max_parents:
        return RuleViolation(f"reads {len(model.parents)} relations: {names(model.parents)}.")


@rule
def primary_key_test(model: Model) -> RuleViolation | None:
    """Every model has a primary-key test (fct_missing_primary_key_tests).

    unique and not_null on one column, or unique_combination_of_columns on the model.
    """
    if any(test.type in COMPOSITE_KEY_TESTS for test in model.tests):
        return None
    for column in model.columns:
        types = {test.type for test in column.tests}
        if {"unique", "not_null"} <= types:
            return None
    return RuleViolation(
        "no primary-key test (unique + not_null on a column, or unique_combination_of_columns)."
    )


@rule
def model_naming(model: Model) -> RuleViolation | None:
    """Names follow the type: stg_<source>__<table>, base_<source>__<table>, int_, fct_/dim_/mart_.

    fct_model_naming_conventions; staging and base names carry the source folder they live in.
    """
    kind = model_type(model)
    pattern = NAME_PATTERNS.get(kind)
    if pattern is None:
        return RuleViolation(
            "not in a folder or with a prefix that names a layer (staging, base, intermediate, marts)."
        )
    match = pattern.fullmatch(model.name)
    if not match:
        return RuleViolation(f"a {kind} model's name must match {pattern.pattern}.")
    if kind in STAGING_LAYER:
        folders = PurePosixPath(model.original_file_path).parts
        source_folder = folders[folders.index("staging") + 1] if "staging" in folders[:-2] else None
        if match["source"] != source_folder:
            return RuleViolation(
                f"names source {match['source']!r} but lives in staging/{source_folder or ''}."
            )


@rule
def model_directory(model: Model) -> RuleViolation | None:
    """Models live in folders named by layer (fct_model_directories).

    staging/<source>/ for stg_, staging/<source>/base/ for base_, intermediate/<concern>/ for
    int_, marts/<concern>/ for fct_, dim_ and mart_.
    """
    folders = PurePosixPath(model.original_file_path).parts[:-1]
    kind = prefix_type(model.name)
    if kind is None:
        return None  # model_naming reports it
    layer = folders[1] if len(folders) > 1 else None
    expected_layer = "staging" if kind in STAGING_LAYER else kind
    if layer != expected_layer:
        return RuleViolation(f"a {kind} model must live under models/{expected_layer}/.")
    if kind == "base" and "base" not in folders:
        return RuleViolation("a base model must live in staging/<source>/base/.")
    if kind == "staging" and ("base" in folders or len(folders) < 3):
        return RuleViolation("a staging model must live in staging/<source>/, outside base/.")
    if kind == "intermediate" and len(folders) < 3:
        return RuleViolation("an intermediate model must live in intermediate/<concern>/.")
    if kind == "marts" and len(folders) < 3:
        return RuleViolation("a marts model must live in marts/<concern>/.")


@rule
def yaml_beside_model(model: Model) -> RuleViolation | None:
    """A model is described in a YAML file of its own folder (fct_test_directories)."""
    if not model.patch_path:
        return RuleViolation("no YAML file describes this model.")
    yaml_folder = PurePosixPath(model.patch_path.split("://", 1)[-1]).parent
    if yaml_folder != PurePosixPath(model.original_file_path).parent:
        return RuleViolation(f"described in {yaml_folder}/, not beside the model.")
