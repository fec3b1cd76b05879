"""The proxy-means test's coefficients (dtsen.welfare.fit_pmt), fitted on the survey sample
(int_pmt_sample) with its weights: every household's predicted welfare in
fct_household_desil is the intercept plus these terms, so any score can be explained.

Text columns of the sample are categorical variables, number columns numeric ones
(int_household_pmt_features makes them so).
"""

from pandas.api.types import is_numeric_dtype

from dtsen.contract import ACCUMULATING_SOURCES
from dtsen.engine import duckdb_inputs, to_engine
from dtsen.welfare import KEY, OUTCOME, WEIGHT, fit_pmt


def model(dbt, session):
    dbt.config(materialized="table")
    with duckdb_inputs(
        session,
        sample=dbt.ref("int_pmt_sample"),
        deliveries=dbt.ref("stg_landing__delivery_files"),
        surveys=dbt.ref("int_survey_households"),
    ) as (con, inputs):
        # In a fixed order: floating-point sums depend on it, and a rebuild must give the same bits.
        sample = con.sql(f"select * from {inputs['sample']} order by family_key").df()
        # Dated by the data it was fitted on (the newest current full extract, as
        # macros/reference_date.sql), so a rebuild on the same deliveries writes the same table.
        accumulating = ", ".join(f"'{source}'" for source in sorted(ACCUMULATING_SOURCES))
        fitted_on = con.sql(
            f"select max(extract_date) from {inputs['deliveries']} "
            f"where status = 'current' and source not in ({accumulating})"
        ).fetchall()[0][0]
        survey_year = con.sql(f"select max(tahun) from {inputs['surveys']}").fetchall()[0][0]
    variables = [column for column in sample.columns if column not in (KEY, OUTCOME, WEIGHT)]
    numeric = [column for column in variables if is_numeric_dtype(sample[column])]
    categorical = [column for column in variables if column not in numeric]
    penalties = [float(penalty) for penalty in dbt.config.get("ridge_penalties")]
    coefficients = fit_pmt(sample, categorical, numeric, penalties)
    coefficients["fitted_on"] = fitted_on
    coefficients["survey_year"] = survey_year
    return to_engine(session, coefficients)
