-- grain: one row per PageSense website_id
-- domain: the host of the website's url (lower case, no www.).
with

websites as (
    select * from raw.pagesense__websites
),

final as (
    select
        'pagesense' as vendor,
        id as website_id,
        name as website_name,
        regexp_extract(lower(url), '^(?:[a-z]+://)?(?:www\.)?([^/:?#]+)', 1) as domain,
        [regexp_extract(lower(url), '^(?:[a-z]+://)?(?:www\.)?([^/:?#]+)', 1)] as domains,
        coalesce(timezone, 'UTC') as timezone
    from websites
)

select * from final
