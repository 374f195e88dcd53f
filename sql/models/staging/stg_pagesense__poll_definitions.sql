-- grain: one row per PageSense website_id, poll_id
-- poll_type read liberally: any case, spaces or hyphens for underscores, 'rating scale' as
-- rating and 'text input' as text (nps, rating, single_choice, multiple_choice, text).
with

source as (
    select * from {{ source('raw', 'pagesense__poll_definitions') }}
),

spelled as (
    select
        *,
        regexp_replace(lower(trim(type)), '[ -]+', '_', 'g') as spelled_type
    from source
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        id as poll_id,
        name as poll_name,
        question,
        case spelled_type
            when 'rating_scale' then 'rating'
            when 'text_input' then 'text'
            else spelled_type
        end as poll_type
    from spelled
)

select * from final
