-- grain: one row per vendor, website_id, day
-- PageSense from its traffic report; Mouseflow from the day's recordings: sessions are
-- recordings, page views their pages, bounce rate the share with one page.
with

pagesense as (
    select * from staging.stg_pagesense__report_traffic
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
