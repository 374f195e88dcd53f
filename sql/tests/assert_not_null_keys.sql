-- rows: mart rows with a null in a key column
select
    'sites' as mart,
    website_id as row_key
from analytics.sites
where site is null or vendor is null or website_id is null
union all
select
    'daily_traffic' as mart,
    website_id as row_key
from analytics.daily_traffic
where site is null or vendor is null or website_id is null or day is null
union all
select
    'funnel_conversion' as mart,
    website_id as row_key
from analytics.funnel_conversion
where
    site is null or vendor is null or funnel_id is null or day is null
    or step_number is null
union all
select
    'form_conversion' as mart,
    website_id as row_key
from analytics.form_conversion
where site is null or vendor is null or form_id is null or day is null
union all
select
    'session_conversion' as mart,
    website_id as row_key
from analytics.session_conversion
where site is null or vendor is null or day is null or device is null
union all
select
    'vendor_comparison' as mart,
    site as row_key
from analytics.vendor_comparison
where site is null or day is null or metric is null
