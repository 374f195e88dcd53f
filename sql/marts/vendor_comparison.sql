-- grain: one row per site, day, metric, subject
-- For sites both vendors track, on days both have: sessions, page_views and
-- session_conversion_rate (subject null); funnel_completion_rate (last step / first step)
-- for funnels whose names match case-insensitively; form_submission_rate for forms matched
-- by name. difference = mouseflow - pagesense; relative_difference = difference /
-- pagesense_value (null when that is 0). is_final: both vendors' days are past the lookback.
with

traffic as (
    select * from analytics.daily_traffic
),

sessions as (
    select * from analytics.session_conversion
),

funnels as (
    select * from analytics.funnel_conversion
),

forms as (
    select * from analytics.form_conversion
),

site_metrics as (
    select
        site,
        vendor,
        day,
        'sessions' as metric,
        cast(null as varchar) as subject,
        cast(sessions as double) as metric_value,
        is_final
    from traffic
    union all
    select
        site,
        vendor,
        day,
        'page_views' as metric,
        cast(null as varchar) as subject,
        cast(page_views as double) as metric_value,
        is_final
    from traffic
    union all
    select
        site,
        vendor,
        day,
        'session_conversion_rate' as metric,
        cast(null as varchar) as subject,
        sum(converted_sessions) / sum(sessions) as metric_value,
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
        arg_max(visitors, step_number) / nullif(arg_min(visitors, step_number), 0)
            as metric_value,
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
        sum(submissions) / nullif(sum(views), 0) as metric_value,
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

paired as (
    select
        pagesense.site,
        pagesense.day,
        pagesense.metric,
        pagesense.subject,
        pagesense.metric_value as pagesense_value,
        mouseflow.metric_value as mouseflow_value,
        pagesense.is_final and mouseflow.is_final as is_final
    from metrics as pagesense
    inner join metrics as mouseflow
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
        pagesense_value,
        mouseflow_value,
        mouseflow_value - pagesense_value as difference,
        (mouseflow_value - pagesense_value) / nullif(pagesense_value, 0)
            as relative_difference,
        is_final
    from paired
)

select * from final
