-- grain: one row per site, vendor, day (the website's local date)
-- table: Sessions, page views, session length and bounce rate per site, vendor and day.
-- column sessions: Sessions that started on the day (count). PageSense: visitors of its
--   traffic report; Mouseflow: the day's recordings.
-- column page_views: Pages viewed in those sessions (count). PageSense: the traffic report;
--   Mouseflow: the sum of the recordings' pages.
-- column avg_session_seconds: Mean session length in seconds.
--   Rounded to 2 decimals.
-- column bounce_rate: Share of sessions with one page view, a fraction 0..1.
--   Rounded to 6 decimals.
-- column unique_visitors: Distinct visitors of the day (count; PageSense's overview
--   report; null for Mouseflow, which reports none).
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
