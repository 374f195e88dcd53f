-- grain: one row per PageSense website_id, form_id, day, field
-- units: drop_off_rate a fraction 0..1 (PageSense sends percent).
with

source as (
    select * from {{ source('raw', 'pagesense__form_drop_offs') }}
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        form_id,
        day,
        field,
        drop_offs,
        drop_off_rate / 100.0 as drop_off_rate
    from source
)

select * from final
