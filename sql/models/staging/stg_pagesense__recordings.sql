-- grain: one row per PageSense website_id, recording_id
-- units: started_at UTC, duration in seconds, device as sent (mapped in
-- int_recordings__unioned), country ISO alpha-2 from PageSense's English country name
-- (null when the name is unknown).
with

recordings as (
    select * from {{ source('raw', 'pagesense__recordings') }}
),

countries as (
    select * from {{ source('raw', 'country_codes') }}
),

final as (
    select
        'pagesense' as vendor,
        recordings.website_id,
        recordings.id as recording_id,
        recordings.timestamp as started_at,
        cast(recordings.session_duration as double) as duration_seconds,
        recordings.page_views,
        recordings.device,
        countries.country_code,
        coalesce(recordings.converted, false) as is_converted
    from recordings
    left join countries
        on lower(recordings.country) = lower(countries.country_name)
)

select * from final
