-- grain: one row per Mouseflow website_id, day, display_url
-- units: times in seconds (Mouseflow sends ms), scroll_reach a fraction 0..1.
with

source as (
    select * from {{ source('raw', 'mouseflow__pages') }}
),

final as (
    select
        'mouseflow' as vendor,
        website_id,
        day,
        display_url,
        uri,
        title,
        views,
        visit_time / 1000.0 as avg_view_seconds,
        engagement_time / 1000.0 as avg_engagement_seconds,
        clicks,
        render_time / 1000.0 as avg_render_seconds,
        scroll / 100.0 as scroll_reach
    from source
)

select * from final
