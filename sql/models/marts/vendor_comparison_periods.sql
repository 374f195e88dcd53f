-- grain: one row per site, period, period_start, metric, subject (subject null for site
--   metrics)
-- described in _marts.yml
with

daily as (
    select * from {{ ref('vendor_comparison') }}
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
        {{ comparison_value('metric', 'pagesense_numerator', 'pagesense_denominator') }}
            as pagesense_value,
        {{ comparison_value('metric', 'mouseflow_numerator', 'mouseflow_denominator') }}
            as mouseflow_value,
        {{ comparison_z(
            'metric',
            'pagesense_numerator',
            'pagesense_denominator',
            'mouseflow_numerator',
            'mouseflow_denominator'
        ) }} as z_score
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
        {{ is_within_noise('pagesense_value', 'mouseflow_value', 'z_score') }} as within_noise,
        is_final,
        true as tracked_by_both
    from valued
)

select * from final
