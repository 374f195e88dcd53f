-- grain: one row per PageSense website_id, day
-- units: conversion_rate a fraction 0..1 (PageSense sends percent).
with

source as (
    select * from {{ source('raw', 'pagesense__report_overview') }}
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        day,
        visitors as sessions,
        unique_visitors,
        page_views,
        conversions,
        conversion_rate / 100.0 as conversion_rate
    from source
)

select * from final
