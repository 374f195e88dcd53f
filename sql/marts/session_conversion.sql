-- grain: one row per site, vendor, day, device, country_code
-- table: Recorded sessions and the converted ones per day, device and country.
--   Converted: PageSense's `converted`; Mouseflow: a recording with any of the
--   conversion tags (SOURCES__MOUSEFLOW__CONVERSION_TAGS).
-- column sessions: Recorded sessions that started on the day (count).
-- column converted_sessions: Of those, the converted ones (count).
-- column conversion_rate: converted_sessions / sessions, a fraction 0..1.
--   Rounded to 6 decimals.
with

recordings as (
    select * from intermediate.int_recordings__unioned
),

sites as (
    select * from intermediate.int_sites__matched
),

grouped as (
    select
        site,
        vendor,
        website_id,
        day,
        device,
        country_code,
        count(*) as sessions,
        cast(count_if(is_converted) as bigint) as converted_sessions,
        round(count_if(is_converted) / count(*), 6) as conversion_rate,
        day < any_value(final_before) as is_final
    from recordings
    group by site, vendor, website_id, day, device, country_code
),

final as (
    select
        grouped.*,
        sites.tracked_by_both
    from grouped
    inner join sites
        on grouped.vendor = sites.vendor and grouped.website_id = sites.website_id
)

select * from final
