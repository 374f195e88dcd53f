-- rows: recordings loaded twice (raw recordings are replaced per website and day, so the
-- same recording id under two days would be a duplicate); every vendor's recordings meet in
-- int_recordings__unioned
select
    vendor,
    website_id,
    recording_id,
    count(*) as copies
from intermediate.int_recordings__unioned
group by vendor, website_id, recording_id
having count(*) > 1
