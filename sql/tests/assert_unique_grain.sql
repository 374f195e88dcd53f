-- rows: every grain key of a mart that appears more than once
select
    'sites' as mart,
    concat_ws('|', vendor, website_id) as grain_key,
    count(*) as copies
from analytics.sites
group by vendor, website_id
having count(*) > 1
union all
select
    'daily_traffic' as mart,
    concat_ws('|', site, vendor, day) as grain_key,
    count(*) as copies
from analytics.daily_traffic
group by site, vendor, day
having count(*) > 1
union all
select
    'funnel_conversion' as mart,
    concat_ws('|', site, vendor, funnel_id, day, step_number) as grain_key,
    count(*) as copies
from analytics.funnel_conversion
group by site, vendor, funnel_id, day, step_number
having count(*) > 1
union all
select
    'form_conversion' as mart,
    concat_ws('|', site, vendor, form_id, day) as grain_key,
    count(*) as copies
from analytics.form_conversion
group by site, vendor, form_id, day
having count(*) > 1
union all
select
    'session_conversion' as mart,
    concat_ws('|', site, vendor, day, device, coalesce(country_code, '?')) as grain_key,
    count(*) as copies
from analytics.session_conversion
group by site, vendor, day, device, country_code
having count(*) > 1
union all
select
    'vendor_comparison' as mart,
    concat_ws('|', site, day, metric, coalesce(subject, '')) as grain_key,
    count(*) as copies
from analytics.vendor_comparison
group by site, day, metric, subject
having count(*) > 1
