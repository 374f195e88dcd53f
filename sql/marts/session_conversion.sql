-- grain: one row per site, vendor, day, device, country_code
-- from recordings: PageSense `converted`, Mouseflow any of the conversion tags;
-- conversion_rate = converted_sessions / sessions (0..1).
with

recordings as (
    select * from intermediate.int_recordings__unioned
),

final as (
    select
        site,
        vendor,
        website_id,
        day,
        device,
        country_code,
        count(*) as sessions,
        count_if(is_converted) as converted_sessions,
        count_if(is_converted) / count(*) as conversion_rate,
        day < any_value(final_before) as is_final
    from recordings
    group by site, vendor, website_id, day, device, country_code
)

select * from final
