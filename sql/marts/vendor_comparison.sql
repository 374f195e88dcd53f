-- grain: one row per site, day, metric, subject
-- table: The two vendors side by side, for sites both track and days both have: sessions,
--   page_views and session_conversion_rate (subject null); funnel_completion_rate for
--   funnels whose names match case-insensitively (subject: the funnel name);
--   form_submission_rate for forms matched by name (subject: the form name). Each side
--   carries the numerator and denominator behind its value, so any period re-aggregates
--   as sum(numerator) / sum(denominator); within_noise says whether the difference could
--   be chance at its sample size.
-- column metric: sessions, page_views (counts), session_conversion_rate,
--   funnel_completion_rate or form_submission_rate (fractions 0..1).
-- column subject: The funnel or form name the metric is about; null for site metrics.
-- column tracked_by_both: Always true here (only sites both vendors track are compared);
--   present so every mart with a site filters the same way.
-- column pagesense_value: PageSense's value (a count, or a rate as a fraction 0..1).
--   Rounded to 6 decimals.
-- column mouseflow_value: Mouseflow's value (a count, or a rate as a fraction 0..1).
--   Rounded to 6 decimals.
-- column difference: mouseflow_value - pagesense_value.
--   Rounded to 6 decimals.
-- column relative_difference: difference / pagesense_value (null when that is 0); 0.1
--   means Mouseflow is 10% higher.
--   Rounded to 6 decimals.
-- column pagesense_numerator: PageSense's count behind its value: the count itself for
--   sessions and page_views, converted sessions, last-step visitors or form submissions
--   for the rates.
-- column pagesense_denominator: PageSense's base for a rate (sessions, first-step
--   visitors, form views); null for counts.
-- column mouseflow_numerator: Mouseflow's count behind its value (as pagesense_numerator).
-- column mouseflow_denominator: Mouseflow's base for a rate (as pagesense_denominator).
-- column z_score: How many standard errors apart the two sides are: for rates the pooled
--   two-proportion z-test, for counts (c_mf - c_ps) / sqrt(c_mf + c_ps) (two Poisson
--   counts). Positive when Mouseflow is higher; null when there is nothing to compare.
--   Rounded to 4 decimals.
-- column within_noise: True when |z_score| < 1.96, i.e. the difference is within what
--   chance gives at this sample size (95%, two-sided), or both sides are equal; null when
--   a side has no value. Rank disagreements by abs(z_score) among rows where it is false.
-- column is_final: Both vendors' days are past their lookback (settled).
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
        comparison_value(metric, numerator, denominator) as metric_value
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
        comparison_z(
            pagesense.metric,
            pagesense.numerator,
            pagesense.denominator,
            mouseflow.numerator,
            mouseflow.denominator
        ) as z_score,
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
        is_within_noise(pagesense_value, mouseflow_value, z_score) as within_noise,
        is_final,
        true as tracked_by_both
    from paired
)

select * from final
