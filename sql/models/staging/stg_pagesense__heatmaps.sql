-- grain: one row per PageSense website_id, heatmap_id, day
-- the heatmap's clicks and unique visitors on that day.
with

source as (
    select * from {{ source('raw', 'pagesense__heatmaps') }}
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        heatmap_id,
        day,
        name as heatmap_name,
        type as heatmap_type,
        url,
        total_clicks as clicks,
        unique_visitors as visitors
    from source
)

select * from final
