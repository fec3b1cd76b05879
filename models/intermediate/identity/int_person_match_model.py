"""The trained matcher of int_person_match_pairs: Splink's model JSON (comparison levels
with their m and u, the prior), one row.

Kept between builds, so a month's scores come from the same model as last month's and a
monthly build does not pay for training. It is retrained when there is none, when the
code's matcher fingerprint (settings, training, Splink version, the SQL that makes its
input; dtsen.resolution.matcher_fingerprint) differs from the kept one,
or when asked: --vars '{retrain_matcher: true}'. --vars '{matcher_training_pairs: N}' sets the
training sample's size (persons holding about N labelled pairs; dtsen.resolution). A
--full-refresh does not retrain (full_refresh: false), so a full rebuild scores like the
monthly build it is checked against.
Materialisation and key are set in _intermediate__models.yml (on Spark, a plain table, trained
by dtsen.resolution_spark).
"""

from datetime import UTC, datetime

import pyarrow as pa

from dtsen.engine import duckdb_inputs, is_spark, to_engine
from dtsen.resolution import matcher_fingerprint, matching_input_sql, train_matcher


def model(dbt, session):
    training_pairs = dbt.config.get("training_pairs")
    training_pairs = int(training_pairs) if str(training_pairs) not in ("", "None") else None
    fingerprint = matcher_fingerprint(training_pairs)
    if dbt.is_incremental and str(dbt.config.get("retrain")).lower() != "true":
        kept = session.sql(f"select * from {dbt.this} where matcher_fingerprint = ?", params=[fingerprint])
        kept = kept.to_arrow_table()
        if kept.num_rows == 1:
            return kept
    features, links = dbt.ref("int_person_match_features"), dbt.ref("int_person_nik_links")
    if is_spark(session):
        from dtsen.resolution_spark import train_matcher_spark

        model_json, records = train_matcher_spark(session, features, links, training_pairs)
    else:
        with duckdb_inputs(session, features=features, links=links) as (con, inputs):
            input_sql = matching_input_sql(inputs["features"], inputs["links"])
            model_json, records = train_matcher(con, input_sql, training_pairs=training_pairs)
    return to_engine(
        session,
        pa.table(
            {
                "matcher": ["person"],
                "matcher_fingerprint": [fingerprint],
                "model_json": [model_json],
                "trained_on_records": pa.array([records], pa.int64()),
                "trained_at": pa.array([datetime.now(UTC)], pa.timestamp("us", tz="UTC")),
            }
        ),
    )
