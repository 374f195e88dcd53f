-- grain: one row per Mouseflow website_id, funnel_id, day, step_number
with

steps as (
    select * from {{ source('raw', 'mouseflow__funnel_steps') }}
),

final as (
    select
        'mouseflow' as vendor,
        website_id,
        funnel_id,
        funnel_name,
        day,
        step_number,
        step_name,
        count as visitors
    from steps
)

select * from final
