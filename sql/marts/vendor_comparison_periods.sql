-- grain: one row per site, period, period_start, metric, subject (subject null for site
--   metrics)
-- table: vendor_comparison re-aggregated over weeks and months, with the same noise test
--   at the period's sample size: each side's numerators and denominators summed over the
--   days both vendors have, its value recomputed from the sums (never an average of daily
--   rates), and z_score and within_noise computed afresh. Use it instead of re-deriving
--   the pooled z-test by hand.
-- column period: week (ISO weeks, from Monday) or month.
-- column period_start: The period's first day (a Monday, or the 1st of the month).
-- column metric: sessions, page_views (counts), session_conversion_rate,
--   funnel_completion_rate or form_submission_rate (fractions 0..1).
-- column subject: The funnel or form name the metric is about; null for site metrics.
-- column days: Days of the period both vendors have for this metric and subject (count).
-- column pagesense_value: PageSense's value over the period (a count, or the rate of the
--   summed numerator over the summed denominator, a fraction 0..1).
--   Rounded to 6 decimals.
-- column mouseflow_value: Mouseflow's value over the period (as pagesense_value).
--   Rounded to 6 decimals.
-- column difference: mouseflow_value - pagesense_value.
--   Rounded to 6 decimals.
-- column relative_difference: difference / pagesense_value (null when that is 0).
--   Rounded to 6 decimals.
-- column pagesense_numerator: PageSense's numerators summed over the period (count).
-- column pagesense_denominator: PageSense's denominators summed (count); null for counts.
-- column mouseflow_numerator: Mouseflow's numerators summed over the period (count).
-- column mouseflow_denominator: Mouseflow's denominators summed (count); null for counts.
-- column z_score: As in vendor_comparison, from the period's sums: the pooled
--   two-proportion z-test for rates, (c_mf - c_ps) / sqrt(c_mf + c_ps) for counts.
--   Rounded to 4 decimals.
-- column within_noise: True when |z_score| < 1.96 (95%, two-sided) or both sides are
--   equal; null when a side has no value.
-- column is_final: Every day of the period in it is settled for both vendors.
-- column tracked_by_both: Always true here (only sites both vendors track are compared).
with

daily as (
    select * from analytics.vendor_comparison
),

in_periods as (
    select
        'week' as period,
        cast(date_trunc('week', day) as date) as period_start,
        *
    from daily
    union all
    select
        'month' as period,
        cast(date_trunc('month', day) as date) as period_start,
        *
    from daily
),

summed as (
    select
        site,
        period,
        period_start,
        metric,
        subject,
        count(*) as days,
        cast(sum(pagesense_numerator) as bigint) as pagesense_numerator,
        cast(sum(pagesense_denominator) as bigint) as pagesense_denominator,
        cast(sum(mouseflow_numerator) as bigint) as mouseflow_numerator,
        cast(sum(mouseflow_denominator) as bigint) as mouseflow_denominator,
        bool_and(is_final) as is_final
    from in_periods
    group by site, period, period_start, metric, subject
),

valued as (
    select
        *,
        comparison_value(metric, pagesense_numerator, pagesense_denominator)
            as pagesense_value,
        comparison_value(metric, mouseflow_numerator, mouseflow_denominator)
            as mouseflow_value,
        comparison_z(
            metric,
            pagesense_numerator,
            pagesense_denominator,
            mouseflow_numerator,
            mouseflow_denominator
        ) as z_score
    from summed
),

final as (
    select
        site,
        period,
        period_start,
        metric,
        subject,
        days,
        round(pagesense_value, 6) as pagesense_value,
        round(mouseflow_value, 6) as mouseflow_value,
        round(mouseflow_value - pagesense_value, 6) as difference,
        round((mouseflow_value - pagesense_value) / nullif(pagesense_value, 0), 6)
            as relative_difference,
        pagesense_numerator,
        pagesense_denominator,
        mouseflow_numerator,
        mouseflow_denominator,
        round(z_score, 4) as z_score,
        is_within_noise(pagesense_value, mouseflow_value, z_score) as within_noise,
        is_final,
        true as tracked_by_both
    from valued
)

select * from final
