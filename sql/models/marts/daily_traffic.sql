-- grain: one row per site, vendor, day (the website's local date)
-- PageSense from its traffic report (unique visitors from its overview report; Mouseflow
-- has none: null); Mouseflow from the day's recordings.
-- described in _marts.yml
{{ config(materialized='incremental', incremental_strategy='pageflow_website_days') }}
with

pagesense_traffic as (
    select * from {{ ref('stg_pagesense__report_traffic') }}
),

pagesense_overview as (
    select * from {{ ref('stg_pagesense__report_overview') }}
),

-- Mouseflow's traffic is its recordings: sessions are recordings, page views their pages,
-- bounce rate the share with one page (the recordings are read here, not in a view, so an
-- incremental build reads only the changed days' recordings)
recordings as (
    select * from {{ ref('int_recordings__unioned') }}
    where vendor = 'mouseflow' and {{ pageflow_window('started_at') }}
),

pagesense as (
    select
        pagesense_traffic.*,
        pagesense_overview.unique_visitors
    from pagesense_traffic
    left join pagesense_overview
        on
            pagesense_traffic.website_id = pagesense_overview.website_id
            and pagesense_traffic.day = pagesense_overview.day
),

mouseflow as (
    select
        vendor,
        website_id,
        day,
        count(*) as sessions,
        sum(page_views) as page_views,
        avg(duration_seconds) as avg_session_seconds,
        avg(case when page_views = 1 then 1.0 else 0.0 end) as bounce_rate
    from recordings
    group by vendor, website_id, day
),

traffic as (
    select * from pagesense
    union all by name
    select * from mouseflow
),

sites as (
    select * from {{ ref('int_sites__matched') }}
),

final as (
    select
        sites.site,
        traffic.vendor,
        traffic.website_id,
        traffic.day,
        cast(traffic.sessions as bigint) as sessions,
        cast(traffic.page_views as bigint) as page_views,
        round(traffic.avg_session_seconds, 2) as avg_session_seconds,
        round(traffic.bounce_rate, 6) as bounce_rate,
        cast(traffic.unique_visitors as bigint) as unique_visitors,
        traffic.day < sites.final_before as is_final,
        sites.tracked_by_both
    from traffic
    inner join sites
        on traffic.vendor = sites.vendor and traffic.website_id = sites.website_id
)

select * from final
where {{ pageflow_days() }}
