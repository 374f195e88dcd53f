-- grain: one row per vendor, website_id, recording_id
-- day: the local date the recording started, in the website's time zone; tags: Mouseflow's
-- tags (null for PageSense); device: desktop|tablet|mobile (Mouseflow's Phone is mobile),
-- null for anything else.
with

recordings as (
    select * from {{ ref('stg_pagesense__recordings') }}
    union all by name
    select * from {{ ref('stg_mouseflow__recordings') }}
),

sites as (
    select * from {{ ref('int_sites__matched') }}
),

final as (
    select
        sites.site,
        recordings.vendor,
        recordings.website_id,
        recordings.recording_id,
        recordings.started_at,
        cast(
            timezone(
                sites.timezone, cast(recordings.started_at as timestamp) at time zone 'UTC'
            ) as date
        ) as day,
        recordings.duration_seconds,
        recordings.page_views,
        -- the one home of the device vocabulary: Mouseflow's Phone is mobile
        case lower(recordings.device)
            when 'desktop' then 'desktop'
            when 'tablet' then 'tablet'
            when 'mobile' then 'mobile'
            when 'phone' then 'mobile'
        end as device,
        recordings.country_code,
        recordings.is_converted,
        recordings.tags,
        sites.final_before
    from recordings
    inner join sites
        on recordings.vendor = sites.vendor and recordings.website_id = sites.website_id
)

select * from final
