-- grain: one row per site, vendor, day (the website's local date)
-- units: sessions and page_views are counts, avg_session_seconds seconds, bounce_rate 0..1.
-- is_final: false while the day is inside the lookback (the next sync may restate it).
with

traffic as (
    select * from intermediate.int_traffic__unioned
),

sites as (
    select * from intermediate.int_sites__matched
),

final as (
    select
        sites.site,
        traffic.vendor,
        traffic.website_id,
        traffic.day,
        traffic.sessions,
        traffic.page_views,
        traffic.avg_session_seconds,
        traffic.bounce_rate,
        traffic.day < sites.final_before as is_final
    from traffic
    inner join sites
        on traffic.vendor = sites.vendor and traffic.website_id = sites.website_id
)

select * from final
