-- grain: one row per site, vendor, form_id, day
-- described in _marts.yml
{{ config(materialized='incremental', incremental_strategy='pageflow_website_days') }}
with

forms as (
    select * from {{ ref('int_forms__unioned') }}
),

sites as (
    select * from {{ ref('int_sites__matched') }}
),

final as (
    select
        sites.site,
        forms.vendor,
        forms.website_id,
        forms.form_id,
        forms.form_name,
        forms.day,
        cast(forms.views as bigint) as views,
        cast(forms.interactions as bigint) as interactions,
        cast(forms.submissions as bigint) as submissions,
        cast(forms.successes as bigint) as successes,
        round(forms.interactions / nullif(forms.views, 0), 6) as interaction_rate,
        round(forms.submissions / nullif(forms.views, 0), 6) as submission_rate,
        round(forms.successes / nullif(forms.views, 0), 6) as success_rate,
        forms.day < sites.final_before as is_final,
        sites.tracked_by_both
    from forms
    inner join sites
        on forms.vendor = sites.vendor and forms.website_id = sites.website_id
)

select * from final
where {{ pageflow_days() }}
