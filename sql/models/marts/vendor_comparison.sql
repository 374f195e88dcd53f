-- grain: one row per site, day, metric, subject
-- described in _marts.yml
-- depends_on: {{ ref('int_sites__matched') }}
{{ config(materialized='incremental', incremental_strategy='pageflow_site_days') }}
with

traffic as (
    select * from {{ ref('daily_traffic') }}
),

sessions as (
    select * from {{ ref('session_conversion') }}
),

funnels as (
    select * from {{ ref('funnel_conversion') }}
),

forms as (
    select * from {{ ref('form_conversion') }}
),

site_metrics as (
    select
        site,
        vendor,
        day,
        'sessions' as metric,
        cast(null as varchar) as subject,
        sessions as numerator,
        cast(null as bigint) as denominator,
        is_final
    from traffic
    union all
    select
        site,
        vendor,
        day,
        'page_views' as metric,
        cast(null as varchar) as subject,
        page_views as numerator,
        cast(null as bigint) as denominator,
        is_final
    from traffic
    union all
    select
        site,
        vendor,
        day,
        'session_conversion_rate' as metric,
        cast(null as varchar) as subject,
        cast(sum(converted_sessions) as bigint) as numerator,
        cast(sum(sessions) as bigint) as denominator,
        bool_and(is_final) as is_final
    from sessions
    group by site, vendor, day
),

funnel_metrics as (
    select
        site,
        vendor,
        day,
        'funnel_completion_rate' as metric,
        lower(funnel_name) as subject_key,
        any_value(funnel_name) as subject,
        arg_max(visitors, step_number) as numerator,
        arg_min(visitors, step_number) as denominator,
        bool_and(is_final) as is_final
    from funnels
    group by site, vendor, day, funnel_id, lower(funnel_name)
),

form_metrics as (
    select
        site,
        vendor,
        day,
        'form_submission_rate' as metric,
        lower(form_name) as subject_key,
        any_value(form_name) as subject,
        cast(sum(submissions) as bigint) as numerator,
        cast(sum(views) as bigint) as denominator,
        bool_and(is_final) as is_final
    from forms
    group by site, vendor, day, form_id, lower(form_name)
),

metrics as (
    select
        *,
        coalesce(subject, '') as subject_key
    from site_metrics
    union all by name
    select * from funnel_metrics
    union all by name
    select * from form_metrics
),

valued as (
    select
        *,
        {{ comparison_value('metric', 'numerator', 'denominator') }} as metric_value
    from metrics
),

paired as (
    select
        pagesense.site,
        pagesense.day,
        pagesense.metric,
        pagesense.subject,
        pagesense.metric_value as pagesense_value,
        mouseflow.metric_value as mouseflow_value,
        pagesense.numerator as pagesense_numerator,
        pagesense.denominator as pagesense_denominator,
        mouseflow.numerator as mouseflow_numerator,
        mouseflow.denominator as mouseflow_denominator,
        {{ comparison_z(
            'pagesense.metric',
            'pagesense.numerator',
            'pagesense.denominator',
            'mouseflow.numerator',
            'mouseflow.denominator'
        ) }} as z_score,
        pagesense.is_final and mouseflow.is_final as is_final
    from valued as pagesense
    inner join valued as mouseflow
        on
            pagesense.site = mouseflow.site
            and pagesense.day = mouseflow.day
            and pagesense.metric = mouseflow.metric
            and pagesense.subject_key = mouseflow.subject_key
    where pagesense.vendor = 'pagesense' and mouseflow.vendor = 'mouseflow'
),

final as (
    select
        site,
        day,
        metric,
        subject,
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
    from paired
)

select * from final
where {{ pageflow_site_days() }}
