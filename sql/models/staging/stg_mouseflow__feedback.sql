-- grain: one row per Mouseflow website_id, campaign_id, day
-- the feedback campaign's impressions and responses on that day; survey_type is nps when
-- one of its steps is an NPS question (Mouseflow reports no scores per day).
with

source as (
    select * from {{ source('raw', 'mouseflow__feedback') }}
),

final as (
    select
        'mouseflow' as vendor,
        website_id,
        campaign_id,
        day,
        name as campaign_name,
        enabled as is_enabled,
        impressions,
        responses,
        responses / nullif(impressions, 0) as response_rate,
        case
            when
                list_contains(
                    list_transform(
                        json_extract_string(steps, '$[*].type'),
                        lambda step_type: lower(step_type)
                    ),
                    'nps'
                )
                then 'nps'
            else 'campaign'
        end as survey_type
    from source
)

select * from final
