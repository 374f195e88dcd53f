-- grain: one row per PageSense website_id, day (the website's local day)
-- units: bounce_rate as a fraction 0..1 (PageSense sends percent), durations in seconds.
with

traffic as (
    select * from {{ source('raw', 'pagesense__report_traffic') }}
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        day,
        visitors as sessions,
        page_views,
        avg_session_duration as avg_session_seconds,
        bounce_rate / 100.0 as bounce_rate
    from traffic
)

select * from final
