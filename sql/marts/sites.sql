-- grain: one row per vendor, website_id
-- table: Every website of both vendors and the site it belongs to. Join it to any mart on
--   (vendor, website_id), or filter on tracked_by_both to compare like with like.
-- column site_vendors: The vendors that track this site, sorted and comma-separated
--   ('mouseflow', 'pagesense' or 'mouseflow,pagesense').
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
        timezone,
        site_vendors,
        tracked_by_both
    from sites
)

select * from final
