"""The Fellegi-Sunter model of dtsen.resolution written by hand in DuckDB SQL, for the
benchmark resolution_sql_vs_splink.py: same blocking rules, comparison levels, training data
(m from pairs sharing a trusted NIK, u from random pairs, the prior) and term-frequency
adjustment of the exact name level as `splink_match_pairs`, which the build runs.

It takes the blocking rules and the training helpers from dtsen.resolution itself (private
ones included), so the two implementations cannot drift apart in what they are given.
"""

from __future__ import annotations

import time

import duckdb
import pyarrow as pa

from dtsen.resolution import (
    BLOCKING_RULES,
    CARD_OTHER_VILLAGE_U,
    KEEP_FLOOR,
    NIK_LEVELS,
    U_MAX_PAIRS,
    UNTRUSTED_SIDE,
    _in_training_sample,
    _labels_sql,
    _nik_pair_counts,
    _prior,
)


def _patronymic(side: str) -> str:
    return f"({side}.name_key like '% BIN %' or {side}.name_key like '% BINTI %')"


# Splink's levels (dtsen.resolution.splink_settings) in its order, highest level first.
_GAMMA_SQL = {
    "name": f"""case
        when l.name_key is null or r.name_key is null then -1
        when l.name_key = r.name_key then 8
        when l.name_words = r.name_words and {_patronymic("l")} <> {_patronymic("r")} then 7
        when l.name_sorted = r.name_sorted then 6
        when jaro_winkler_similarity(l.name_key, r.name_key) >= 0.92 then 5
        when damerau_levenshtein(l.name_key, r.name_key) <= 1 then 4
        when list_has_all(l.name_words, r.name_words) or list_has_all(r.name_words, l.name_words) then 3
        when jaro_winkler_similarity(l.name_key, r.name_key) >= 0.80 then 2
        when len(list_intersect(l.name_words, r.name_words)) > 0 then 1
        else 0 end""",
    "birth_date": """case
        when l.birth_date is null or r.birth_date is null then -1
        when l.birth_date = r.birth_date then 5
        when abs(l.birth_date - r.birth_date) <= 31 then 4
        when year(l.birth_date) = year(r.birth_date) and month(l.birth_date) = day(r.birth_date)
             and day(l.birth_date) = month(r.birth_date) then 3
        when year(l.birth_date) = year(r.birth_date)
             and (month(l.birth_date) * 100 + day(l.birth_date) in (101, 701, 1231)
                  or month(r.birth_date) * 100 + day(r.birth_date) in (101, 701, 1231)) then 2
        when abs(l.birth_date - r.birth_date) <= 366 then 1
        else 0 end""",
    "sex": "case when l.sex is null or r.sex is null then -1 when l.sex = r.sex then 1 else 0 end",
    "village": (
        "case when l.village is null or r.village is null then -1"
        " when l.village = r.village then 2 when l.no_kk = r.no_kk then 1 else 0 end"
    ),
    "nik": (
        "case when l.nik is null or r.nik is null then -1 when l.nik = r.nik then 2"
        " when damerau_levenshtein(l.nik, r.nik) <= 1 then 1 else 0 end"
    ),
}
_EXACT_NAME_LEVEL = 8
# Levels whose m or u Splink does not train (None: trained), as splink_settings fixes them.
_FIXED = {
    ("village", 1): (None, CARD_OTHER_VILLAGE_U),
    **{("nik", level): NIK_LEVELS[name] for level, name in ((2, "exact"), (1, "one_edit"), (0, "different"))},
}


def _gammas() -> str:
    return ", ".join(f"{sql} as g_{name}" for name, sql in _GAMMA_SQL.items())


def sql_match_pairs(con: duckdb.DuckDBPyConnection, input_sql: str, timings: dict | None = None) -> pa.Table:
    """The Splink model of `splink_match_pairs` (same blocking, levels, training data and
    term-frequency adjustment of the exact name level) as plain DuckDB SQL on `con`.
    Works in temporary tables of `con`; returns the pairs (probability >= KEEP_FLOOR)."""
    timings = timings if timings is not None else {}
    started = time.perf_counter()
    con.execute(f"create or replace temp table fs_input as {input_sql}")
    n_records, nik_pairs = _nik_pair_counts(con, "select * from fs_input")
    lam = _prior(n_records, nik_pairs)
    sample = f"(select * from fs_input where {_in_training_sample(nik_pairs)})"
    con.execute(f"create or replace temp table fs_labels as {_labels_sql(sample)}")
    # m: comparison levels of the labelled pairs (records sharing a trusted NIK)
    con.execute(f"""create or replace temp table fs_m as
        select {_gammas()} from fs_labels as p
        join fs_input as l on l.record_key = p.record_key_l
        join fs_input as r on r.record_key = p.record_key_r""")
    # u: all pairs among a deterministic random sample of records (about U_MAX_PAIRS pairs)
    sample = int((2 * U_MAX_PAIRS) ** 0.5) + 1
    con.execute(f"""create or replace temp table fs_u as
        with s as (select * from fs_input order by hash(record_key || 'u'), record_key limit {sample})
        select {_gammas()} from s as l join s as r on l.record_key < r.record_key""")
    union = " union all ".join(
        f"select '{c}' as cmp, g_{c} as lvl, count(*) as n, '{k}' as kind"
        f" from fs_{k} where g_{c} >= 0 group by g_{c}"
        for c in _GAMMA_SQL
        for k in ("m", "u")
    )
    con.execute(f"""create or replace temp table fs_params as
        with c as ({union}),
        tot as (select cmp, kind, sum(n) as n_tot from c group by all),
        p as (select c.cmp, c.lvl, c.kind, c.n / t.n_tot as prob from c join tot as t using (cmp, kind))
        select lv.cmp, lv.lvl,
               coalesce(max(prob) filter (where kind = 'm'), 1e-6) as m,
               coalesce(max(prob) filter (where kind = 'u'), 1e-6) as u
        from (select distinct cmp, lvl from c) as lv left join p using (cmp, lvl)
        group by all""")
    con.execute("""create or replace temp table fs_tf as
        select name_key, count(*) / sum(count(*)) over () as tf
        from fs_input where name_key is not null group by name_key""")
    timings["train_s"] = time.perf_counter() - started
    # candidate pairs: each rule excludes the pairs of the rules before it (as Splink does)
    t = time.perf_counter()
    rules = list(BLOCKING_RULES.items())
    selects = []
    for i, (name, sql) in enumerate(rules):
        earlier = "".join(f" and not coalesce(({prev}), false)" for _, prev in rules[:i])
        selects.append(f"""select l.record_key as record_key_l, r.record_key as record_key_r,
                   '{name}' as blocking_rule, l.name_key as name_l, {_gammas()}
            from fs_input as l join fs_input as r
              on {sql} and l.record_key < r.record_key
            where {UNTRUSTED_SIDE}{earlier}""")
    con.execute("create or replace temp table fs_candidates as " + " union all ".join(selects))
    weights = []
    for c in _GAMMA_SQL:
        levels = []
        for lvl, m, u in con.sql(f"select lvl, m, u from fs_params where cmp = '{c}'").fetchall():
            fixed_m, fixed_u = _FIXED.get((c, lvl), (None, None))
            levels.append((lvl, m if fixed_m is None else fixed_m, u if fixed_u is None else fixed_u))
        # exact name: u is the frequency of that name (term-frequency adjustment)
        when = " ".join(
            f"when {lvl} then log2({m!r} / tf.tf)"
            if c == "name" and lvl == _EXACT_NAME_LEVEL
            else f"when {lvl} then log2({m!r} / {u!r})"
            for lvl, m, u in levels
        )
        weights.append(f"(case g_{c} {when} else 0 end)")
    prior = f"log2({lam!r} / (1 - {lam!r}))"
    result = con.sql(f"""
        select record_key_l, record_key_r, match_weight,
               pow(2, match_weight) / (1 + pow(2, match_weight)) as match_probability,
               blocking_rule
        from (select c.*, {prior} + {" + ".join(weights)} as match_weight
              from fs_candidates as c left join fs_tf as tf on tf.name_key = c.name_l)
        where pow(2, match_weight) / (1 + pow(2, match_weight)) >= {KEEP_FLOOR}
        order by record_key_l, record_key_r
    """).to_arrow_table()
    timings["predict_s"] = time.perf_counter() - t
    for table in ("fs_input", "fs_labels", "fs_m", "fs_u", "fs_params", "fs_tf", "fs_candidates"):
        con.execute(f"drop table if exists {table}")
    timings["total_s"] = time.perf_counter() - started
    return result
