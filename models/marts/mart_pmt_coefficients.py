"""The proxy-means test's coefficients (dtsen.welfare.fit_pmt), fitted on the survey sample
(int_pmt_sample) with its weights: every household's predicted welfare in
fct_household_desil is the intercept plus these terms, so any score can be explained.

Text columns of the sample are categorical variables, number columns numeric ones
(int_household_pmt_features makes them so).
"""
from pandas.api.types import is_numeric_dtype

from dtsen.welfare import KEY, OUTCOME, WEIGHT, fit_pmt


def model(dbt, session):
    dbt.config(materialized="table")
    # In a fixed order: floating-point sums depend on it, and a rebuild must give the same bits.
    sample = dbt.ref("int_pmt_sample").order("family_key").df()
    variables = [column for column in sample.columns if column not in (KEY, OUTCOME, WEIGHT)]
    numeric = [column for column in variables if is_numeric_dtype(sample[column])]
    categorical = [column for column in variables if column not in numeric]
    penalties = [float(penalty) for penalty in dbt.config.get("ridge_penalties")]
    coefficients = fit_pmt(sample, categorical, numeric, penalties)
    # Dated by the data it was fitted on (the newest current extract), so a rebuild on the
    # same deliveries writes the same table.
    deliveries = dbt.ref("stg_landing__delivery_files").filter("status = 'current'")
    coefficients["fitted_on"] = deliveries.aggregate("max(extract_date)").fetchall()[0][0]
    coefficients["survey_year"] = dbt.ref("int_survey_households").aggregate("max(tahun)").fetchall()[0][0]
    return coefficients
