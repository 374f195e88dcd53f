-- grain: one row per vendor, website_id, day
-- PageSense from its traffic report; Mouseflow from the day's recordings: sessions are
-- recordings, page views their pages, bounce rate the share with one page. Unique
-- visitors from PageSense's overview report (Mouseflow has none: null).
with

pagesense_traffic as (
    select * from staging.stg_pagesense__report_traffic
),

pagesense_overview as (
    select * from staging.stg_pagesense__report_overview
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

recordings as (
    select * from intermediate.int_recordings__unioned
    where vendor = 'mouseflow'
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

final as (
    select * from pagesense
    union all by name
    select * from mouseflow
)

select * from final
