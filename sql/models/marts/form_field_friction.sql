-- grain: one row per site, vendor, form_id, field, day
-- described in _marts.yml
{{ config(materialized='incremental', incremental_strategy='pageflow_website_days') }}
with

mouseflow_fields as (
    select * from {{ ref('stg_mouseflow__form_fields') }}
),

pagesense_fields as (
    select * from {{ ref('stg_pagesense__form_fields') }}
),

pagesense_drop_offs as (
    select * from {{ ref('stg_pagesense__form_drop_offs') }}
),

sites as (
    select * from {{ ref('int_sites__matched') }}
),

mouseflow as (
    select
        vendor,
        website_id,
        form_id,
        field,
        field_name,
        day,
        interactions,
        avg_duration_seconds,
        refills,
        blank_submissions,
        drop_offs
    from mouseflow_fields
),

pagesense as (
    select
        pagesense_fields.vendor,
        pagesense_fields.website_id,
        pagesense_fields.form_id,
        pagesense_fields.field,
        cast(null as varchar) as field_name,
        pagesense_fields.day,
        pagesense_fields.interactions,
        pagesense_fields.avg_duration_seconds,
        pagesense_fields.corrections as refills,
        pagesense_fields.blank_submissions,
        pagesense_drop_offs.drop_offs
    from pagesense_fields
    left join pagesense_drop_offs
        on
            pagesense_fields.website_id = pagesense_drop_offs.website_id
            and pagesense_fields.form_id = pagesense_drop_offs.form_id
            and pagesense_fields.day = pagesense_drop_offs.day
            and pagesense_fields.field = pagesense_drop_offs.field
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
        unioned.form_id,
        unioned.field,
        unioned.field_name,
        unioned.day,
        cast(unioned.interactions as bigint) as interactions,
        round(unioned.avg_duration_seconds, 2) as avg_duration_seconds,
        cast(unioned.refills as bigint) as refills,
        cast(unioned.blank_submissions as bigint) as blank_submissions,
        cast(unioned.drop_offs as bigint) as drop_offs,
        round(unioned.drop_offs / nullif(unioned.interactions, 0), 4) as drop_off_rate,
        unioned.day < sites.final_before as is_final,
        sites.tracked_by_both
    from unioned
    inner join sites
        on unioned.vendor = sites.vendor and unioned.website_id = sites.website_id
)

select * from final
where {{ pageflow_days() }}
