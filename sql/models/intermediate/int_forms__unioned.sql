-- grain: one row per vendor, website_id, form_id, day
with

final as (
    select * from {{ ref('stg_pagesense__forms') }}
    union all by name
    select * from {{ ref('stg_mouseflow__forms') }}
)

select * from final
