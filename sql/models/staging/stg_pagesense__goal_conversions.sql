-- grain: one row per PageSense website_id, goal_id, day
-- units: conversion_rate a fraction 0..1 (PageSense sends percent).
with

source as (
    select * from {{ source('raw', 'pagesense__goal_conversions') }}
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        goal_id,
        day,
        goal_name,
        visitors,
        conversions,
        conversion_rate / 100.0 as conversion_rate,
        revenue
    from source
)

select * from final
