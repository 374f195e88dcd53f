-- grain: one row per Mouseflow website_id, campaign_id, day
-- the feedback campaign's impressions and responses on that day.
with

source as (
    select * from raw.mouseflow__feedback
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
        responses / nullif(impressions, 0) as response_rate
    from source
)

select * from final
