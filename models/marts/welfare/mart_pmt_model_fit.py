"""Which proxy-means test ranks the survey's held-out households best: for each of
mart_pmt_coefficients' three models (lengkap, perumahan, register_saja), each candidate of
dtsen.welfare.CANDIDATES with its 5-fold cross-validated weighted R² and Spearman rank
correlation on the survey, the penalty cross-validation chose and its error there, and the
one kept (dtsen.welfare.choose). Ridge's penalty and error are the production fit's:
mart_pmt_coefficients fits at them instead of cross-validating again. Reads only the
survey samples, never the generator's truth, so it is built in every build.
"""

import pandas as pd

from dtsen.engine import duckdb_inputs, to_engine
from dtsen.welfare import PRODUCTION, compare_candidates, pmt_variables


def model(dbt, session):
    dbt.config(materialized="table")
    with duckdb_inputs(
        session,
        lengkap=dbt.ref("int_pmt_sample"),
        perumahan=dbt.ref("int_pmt_housing_sample"),
        register_saja=dbt.ref("int_pmt_register_sample"),
    ) as (con, inputs):
        # In a fixed order: floating-point sums depend on it, and a rebuild must give the same bits.
        samples = {
            name: con.sql(f"select * from {inputs[name]} order by family_key").df()
            for name in ("lengkap", "perumahan", "register_saja")
        }
    penalties = [float(penalty) for penalty in dbt.config.get("ridge_penalties")]
    tables = []
    for name, sample in samples.items():
        categorical, numeric = pmt_variables(sample)
        table = compare_candidates(sample, categorical, numeric, penalties)
        table.insert(0, "model", name)
        tables.append(table)
    fits = pd.concat(tables, ignore_index=True)
    fits["in_production"] = fits["candidate"] == PRODUCTION
    # Typed even when every figure is NULL (a sample too small to cross-validate), so both
    # engines write a DOUBLE column.
    for column in ("cross_validated_r_squared", "cross_validated_spearman", "cross_validated_rmse"):
        fits[column] = fits[column].astype("Float64")
    return to_engine(session, fits)
