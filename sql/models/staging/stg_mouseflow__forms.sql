-- grain: one row per Mouseflow website_id, form_id, day
-- Mouseflow's visits are the form's views, submits its submissions, success its successes.
with

forms as (
    select * from {{ source('raw', 'mouseflow__forms') }}
),

final as (
    select
        'mouseflow' as vendor,
        website_id,
        form_id,
        alias as form_name,
        day,
        visits as views,
        interactions,
        submits as submissions,
        success as successes
    from forms
)

select * from final
