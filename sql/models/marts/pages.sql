-- grain: one row per site, vendor, website_id, day, page
-- described in _marts.yml
{{ config(materialized='incremental', incremental_strategy='pageflow_website_days') }}
with

mouseflow_pages as (
    select * from {{ ref('stg_mouseflow__pages') }}
),

heatmaps as (
    select * from {{ ref('stg_pagesense__heatmaps') }}
),

sites as (
    select * from {{ ref('int_sites__matched') }}
),

mouseflow as (
    select
        vendor,
        website_id,
        day,
        display_url as page,
        uri as page_url,
        title,
        views,
        cast(null as bigint) as visitors,
        avg_view_seconds,
        avg_engagement_seconds,
        clicks,
        scroll_reach,
        cast(null as bigint) as heatmaps
    from mouseflow_pages
),

pagesense as (
    select
        vendor,
        website_id,
        day,
        {{ page_path('url') }} as page,
        min(url) as page_url,
        string_agg(heatmap_name, ', ' order by heatmap_name) as title,
        cast(null as bigint) as views,
        max(visitors) as visitors,
        cast(null as double) as avg_view_seconds,
        cast(null as double) as avg_engagement_seconds,
        max(clicks) as clicks,
        cast(null as double) as scroll_reach,
        count(*) as heatmaps
    from heatmaps
    group by vendor, website_id, day, {{ page_path('url') }}
),

unioned as (
    select * from mouseflow
    union all by name
    select * from pagesense
),

final as (
    select
        sites.site,
        unioned.vendor,
        unioned.website_id,
        unioned.day,
        unioned.page,
        unioned.page_url,
        unioned.title,
        cast(unioned.views as bigint) as views,
        cast(unioned.visitors as bigint) as visitors,
        round(unioned.avg_view_seconds, 2) as avg_view_seconds,
        round(unioned.avg_engagement_seconds, 2) as avg_engagement_seconds,
        cast(unioned.clicks as bigint) as clicks,
        round(unioned.scroll_reach, 6) as scroll_reach,
        unioned.heatmaps,
        unioned.day < sites.final_before as is_final,
        sites.tracked_by_both
    from unioned
    inner join sites
        on unioned.vendor = sites.vendor and unioned.website_id = sites.website_id
)

select * from final
where {{ pageflow_days() }}
