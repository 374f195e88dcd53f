-- grain: one row per PageSense website_id
-- addresses: the website's url (its host is found in intermediate.int_sites__matched).
with

websites as (
    select * from {{ source('raw', 'pagesense__websites') }}
),

final as (
    select
        'pagesense' as vendor,
        id as website_id,
        name as website_name,
        [url] as addresses,
        coalesce(timezone, 'UTC') as timezone
    from websites
)

select * from final
