-- grain: one row per Mouseflow website_id, form_id, day, field (target)
-- units: start and duration in seconds (Mouseflow sends ms).
with

source as (
    select * from {{ source('raw', 'mouseflow__form_fields') }}
),

final as (
    select
        'mouseflow' as vendor,
        website_id,
        form_id,
        day,
        target as field,
        alias as field_name,
        type as field_type,
        interactions,
        start_time / 1000.0 as avg_start_seconds,
        duration / 1000.0 as avg_duration_seconds,
        refills,
        blanks as blank_submissions,
        dropped as drop_offs
    from source
)

select * from final
