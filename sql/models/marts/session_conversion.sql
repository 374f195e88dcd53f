-- grain: one row per site, vendor, day, device, country_code
-- described in _marts.yml
{{ config(materialized='incremental', incremental_strategy='pageflow_website_days') }}
with

recordings as (
    select * from {{ ref('int_recordings__unioned') }}
    where {{ pageflow_window('started_at') }}
),

sites as (
    select * from {{ ref('int_sites__matched') }}
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
where {{ pageflow_days() }}
