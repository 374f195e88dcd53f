-- grain: one row per site, vendor, form_id, field, day
-- table: Where people hesitate, refill and leave, field by field, per form and day:
--   Mouseflow's form analytics per field and PageSense's field analytics with its
--   drop-off points. Order by drop_offs or avg_duration_seconds to find the field that
--   costs most.
-- column field: The field's selector (Mouseflow target) or name (PageSense field_name).
-- column field_name: Mouseflow's alias for the field; PageSense sends none (null).
-- column interactions: Visits that interacted with the field (count).
-- column avg_duration_seconds: Mean time spent in the field, in seconds (hesitation).
--   Rounded to 2 decimals.
-- column refills: Times visitors refilled or corrected the field (count; Mouseflow refills,
--   PageSense corrections).
-- column blank_submissions: Submissions with the field left blank (count).
-- column drop_offs: Visits whose last interaction was this field before leaving the form
--   (count; Mouseflow dropped, PageSense drop_off_points).
-- column drop_off_rate: drop_offs / interactions, a fraction 0..1 (null when
--   interactions is 0). Rounded to 4 decimals.
with

mouseflow_fields as (
    select * from staging.stg_mouseflow__form_fields
),

pagesense_fields as (
    select * from staging.stg_pagesense__form_fields
),

pagesense_drop_offs as (
    select * from staging.stg_pagesense__form_drop_offs
),

sites as (
    select * from intermediate.int_sites__matched
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
