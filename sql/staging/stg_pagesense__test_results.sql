-- grain: one row per PageSense website_id, test_id, day, variation_id
-- units: conversion_rate and improvement fractions (PageSense sends percent).
with

source as (
    select * from raw.pagesense__test_results
),

final as (
    select
        'pagesense' as vendor,
        website_id,
        test_id,
        day,
        variation_id,
        name as variation_name,
        test_status,
        visitors,
        conversions,
        conversion_rate / 100.0 as conversion_rate,
        improvement / 100.0 as improvement
    from source
)

select * from final
