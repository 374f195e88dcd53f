-- grain: one row per PageSense website_id, form_id, day, field
-- units: average_time in seconds.
with

source as (
    select * from {{ source('raw', 'pagesense__form_fields') }}
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        form_id,
        day,
        field_name as field,
        interactions,
        corrections,
        blank_submissions,
        average_time as avg_duration_seconds
    from source
)

select * from final
