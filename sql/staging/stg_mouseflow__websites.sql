-- grain: one row per Mouseflow website_id
-- domain: the website's name as a host (lower case, no www.); domains: every host it
-- answers to (name and whitelisted domains), for matching with PageSense.
with

websites as (
    select * from raw.mouseflow__websites
),

final as (
    select
        'mouseflow' as vendor,
        id as website_id,
        name as website_name,
        regexp_extract(lower(name), '^(?:[a-z]+://)?(?:www\.)?([^/:?#]+)', 1) as domain,
        list_distinct(
            list_transform(
                list_prepend(name, coalesce(cast(domains as varchar[]), [])),
                lambda host: regexp_extract(lower(host), '^(?:[a-z]+://)?(?:www\.)?([^/:?#]+)', 1)
            )
        ) as domains,
        coalesce(account_timezone, 'UTC') as timezone
    from websites
)

select * from final
