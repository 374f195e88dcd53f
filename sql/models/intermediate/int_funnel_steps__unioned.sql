-- grain: one row per vendor, website_id, funnel_id, day, step_number
with

final as (
    select * from {{ ref('stg_pagesense__funnel_steps') }}
    union all by name
    select * from {{ ref('stg_mouseflow__funnel_steps') }}
)

select * from final
