-- rows: recordings loaded twice (raw recordings are replaced per website and day, so the
-- same recording id under two days would be a duplicate)
select
    vendor,
    website_id,
    recording_id,
    count(*) as copies
from (
    select
        vendor,
        website_id,
        recording_id
    from staging.stg_pagesense__recordings
    union all
    select
        vendor,
        website_id,
        recording_id
    from staging.stg_mouseflow__recordings
) as recordings
group by vendor, website_id, recording_id
having count(*) > 1
