"""The proxy-means tests' coefficients (dtsen.welfare.fit_pmt), fitted on the survey sample
with its weights: every household's predicted welfare in fct_household_desil is the
intercept plus these terms of its model, so any score can be explained.

Three models on the same surveyed households, the same weights and the same outcome (log
consumption per person), so their predictions share one scale: `lengkap` on housing and
asset indicators (int_pmt_sample), for families with some asset observed; `perumahan` on
housing indicators and the register's facts (int_pmt_housing_sample), for families whose
housing alone is observed (a field visit, P3KE); `register_saja` on what the civil
register knows (int_pmt_register_sample), for families nothing is observed of.

Text columns of a sample are categorical variables, number columns numeric ones (the
feature models make them so). The ridge penalty and its cross-validated error are
mart_pmt_model_fit's ridge row: the ridge is cross-validated once a build, there, and fitted
here once at the penalty it chose.
"""

import pandas as pd

from dtsen.contract import ACCUMULATING_SOURCES
from dtsen.engine import duckdb_inputs, to_engine
from dtsen.welfare import PRODUCTION, fit_pmt_at, pmt_variables


def model(dbt, session):
    dbt.config(materialized="table")
    with duckdb_inputs(
        session,
        lengkap=dbt.ref("int_pmt_sample"),
        perumahan=dbt.ref("int_pmt_housing_sample"),
        register_saja=dbt.ref("int_pmt_register_sample"),
        deliveries=dbt.ref("stg_landing__delivery_files"),
        surveys=dbt.ref("int_survey_households"),
        model_fit=dbt.ref("mart_pmt_model_fit"),
    ) as (con, inputs):
        # In a fixed order: floating-point sums depend on it, and a rebuild must give the same bits.
        samples = {
            name: con.sql(f"select * from {inputs[name]} order by family_key").df()
            for name in ("lengkap", "perumahan", "register_saja")
        }
        # Dated by the data it was fitted on (the newest current full extract, as
        # macros/reference_date.sql), so a rebuild on the same deliveries writes the same table.
        accumulating = ", ".join(f"'{source}'" for source in sorted(ACCUMULATING_SOURCES))
        fitted_on = con.sql(
            f"select max(extract_date) from {inputs['deliveries']} "
            f"where status = 'current' and source not in ({accumulating})"
        ).fetchall()[0][0]
        survey_year = con.sql(f"select max(tahun) from {inputs['surveys']}").fetchall()[0][0]
        chosen = {
            model: (penalty, rmse)
            for model, penalty, rmse in con.sql(
                f"select model, ridge_penalty, cross_validated_rmse from {inputs['model_fit']} "
                f"where candidate = '{PRODUCTION}'"
            ).fetchall()
        }
    tables = []
    for name, sample in samples.items():
        categorical, numeric = pmt_variables(sample)
        table = fit_pmt_at(sample, categorical, numeric, *chosen[name])
        table.insert(0, "model", name)
        tables.append(table)
    coefficients = pd.concat(tables, ignore_index=True)
    coefficients["fitted_on"] = fitted_on
    coefficients["survey_year"] = survey_year
    return to_engine(session, coefficients)
