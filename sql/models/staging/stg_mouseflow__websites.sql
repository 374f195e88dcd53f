-- grain: one row per Mouseflow website_id
-- addresses: the website's name first, then its whitelisted domains (their hosts are
-- found in intermediate.int_sites__matched, for both vendors alike).
with

websites as (
    select * from {{ source('raw', 'mouseflow__websites') }}
),

final as (
    select
        'mouseflow' as vendor,
        id as website_id,
        name as website_name,
        list_prepend(name, coalesce(cast(domains as varchar[]), [])) as addresses,
        coalesce(account_timezone, 'UTC') as timezone
    from websites
)

select * from final
