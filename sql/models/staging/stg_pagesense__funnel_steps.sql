-- grain: one row per PageSense website_id, funnel_id, day, step_number
with

steps as (
    select * from {{ source('raw', 'pagesense__funnel_steps') }}
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        funnel_id,
        funnel_name,
        day,
        step_number,
        step_name,
        visitors
    from steps
)

select * from final
