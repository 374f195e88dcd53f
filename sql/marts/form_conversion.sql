-- grain: one row per site, vendor, form_id, day
-- *_rate = that count / views, a fraction (null when views is 0); PageSense successes null.
with

forms as (
    select * from intermediate.int_forms__unioned
),

sites as (
    select * from intermediate.int_sites__matched
),

final as (
    select
        sites.site,
        forms.vendor,
        forms.website_id,
        forms.form_id,
        forms.form_name,
        forms.day,
        forms.views,
        forms.interactions,
        forms.submissions,
        forms.successes,
        forms.interactions / nullif(forms.views, 0) as interaction_rate,
        forms.submissions / nullif(forms.views, 0) as submission_rate,
        forms.successes / nullif(forms.views, 0) as success_rate,
        forms.day < sites.final_before as is_final
    from forms
    inner join sites
        on forms.vendor = sites.vendor and forms.website_id = sites.website_id
)

select * from final
