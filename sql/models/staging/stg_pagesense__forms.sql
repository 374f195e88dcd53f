-- grain: one row per PageSense website_id, form_id, day
-- PageSense reports no successful submissions: successes is null.
with

forms as (
    select * from {{ source('raw', 'pagesense__forms') }}
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        form_id,
        form_name,
        day,
        views,
        interactions,
        submissions,
        cast(null as bigint) as successes
    from forms
)

select * from final
