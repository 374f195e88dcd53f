-- grain: one row per vendor, website_id
-- described in _marts.yml
with

sites as (
    select * from {{ ref('int_sites__matched') }}
),

final as (
    select
        site,
        vendor,
        website_id,
        website_name,
        domain,
        timezone,
        site_vendors,
        tracked_by_both
    from sites
)

select * from final
