-- grain: one row per PageSense website_id, poll_id, response_id
-- submitted_at exact UTC; score 0-10 (nps) or 1-5 (rating), null otherwise; answer is the
-- response as JSON text (free text stays here, never in a mart).
with

source as (
    select * from {{ source('raw', 'pagesense__poll_responses') }}
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        poll_id,
        response_id,
        day,
        submitted_at,
        score,
        answer,
        lower(device) as device,
        country as country_name
    from source
)

select * from final
