-- grain: one row per vendor, website_id
-- site: the name both vendors' websites of one site share (see int_sites__matched).
with

sites as (
    select * from intermediate.int_sites__matched
),

final as (
    select
        site,
        vendor,
        website_id,
        website_name,
        domain,
        timezone
    from sites
)

select * from final
