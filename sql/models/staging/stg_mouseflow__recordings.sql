-- grain: one row per Mouseflow website_id, recording_id
-- units: started_at UTC, duration in seconds (Mouseflow sends ms), device as sent (its
-- vocabulary is mapped in int_recordings__unioned), country ISO alpha-2 upper case;
-- converted when the recording has any of the configured conversion tags.
with

recordings as (
    select * from {{ source('raw', 'mouseflow__recordings') }}
),

conversion_tags as (
    select coalesce(list(tag), []) as tags from {{ source('raw', 'mouseflow_conversion_tags') }}
),

final as (
    select
        'mouseflow' as vendor,
        recordings.website_id,
        recordings.id as recording_id,
        recordings.created as started_at,
        recordings.duration / 1000.0 as duration_seconds,
        recordings.pages as page_views,
        recordings.device,
        upper(recordings.country) as country_code,
        coalesce(
            list_has_any(cast(recordings.tags as varchar[]), conversion_tags.tags), false
        ) as is_converted,
        coalesce(cast(recordings.tags as varchar[]), []) as tags
    from recordings
    cross join conversion_tags
)

select * from final
