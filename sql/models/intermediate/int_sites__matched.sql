-- grain: one row per vendor, website_id
-- domain: the host of a website's first address (PageSense: its url; Mouseflow: its name);
-- domains: the hosts of all its addresses (Mouseflow adds its whitelisted domains).
-- A PageSense and a Mouseflow website are one site when [sites.<name>] in .dlt/config.toml
-- pairs them (named so), or else when the PageSense domain is among the Mouseflow
-- website's domains (named by that domain). A website without a partner is a site of its
-- own, named by its domain. Several websites of one vendor on one domain (staging and
-- production, say): the one matched to the other vendor (else the lowest website_id)
-- keeps the name, each other becomes the site '<domain> [<website_id>]', so a site has
-- at most one website per vendor and no mart row mixes two websites.
-- final_before: the first local day still inside the vendor's lookback (re-fetched by the
-- next sync, so provisional) as of the build's clock (raw.build_clock); earlier days are
-- final.
-- site_vendors: the vendors tracking the site; tracked_by_both: both of them do (a group
-- by, not a window: DuckDB 1.1 readers cannot run ordered window aggregates in this view).
with

staged_websites as (
    select * from {{ ref('stg_pagesense__websites') }}
    union all by name
    select * from {{ ref('stg_mouseflow__websites') }}
),

-- the one home of "a website's host": lower case, no scheme, no www., no port or path
website_hosts as (
    select
        * exclude (addresses),
        list_transform(
            addresses,
            lambda address: regexp_extract(
                lower(address), '^(?:[a-z]+://)?(?:www\.)?([^/:?#]+)', 1
            )
        ) as hosts
    from staged_websites
),

websites as (
    select
        * exclude (hosts),
        hosts[1] as domain,
        list_distinct(hosts) as domains
    from website_hosts
),

pairs as (
    select * from {{ source('raw', 'site_pairs') }}
),

settings as (
    select * from {{ source('raw', 'vendor_settings') }}
),

build_clock as (
    select * from {{ source('raw', 'build_clock') }}
),

unpaired as (
    select websites.*
    from websites
    anti join pairs
        on websites.vendor = pairs.vendor and websites.website_id = pairs.website_id
),

domain_matches as (
    select
        pagesense.website_id as pagesense_id,
        mouseflow.website_id as mouseflow_id,
        pagesense.domain as site
    from unpaired as pagesense
    inner join unpaired as mouseflow
        on list_contains(mouseflow.domains, pagesense.domain)
    where pagesense.vendor = 'pagesense' and mouseflow.vendor = 'mouseflow'
    qualify
        row_number() over (partition by pagesense.website_id order by mouseflow.website_id) = 1
        and row_number() over (partition by mouseflow.website_id order by pagesense.website_id)
        = 1
),

matched as (
    select
        site,
        vendor,
        website_id
    from pairs
    union all
    select
        site,
        'pagesense' as vendor,
        pagesense_id as website_id
    from domain_matches
    union all
    select
        site,
        'mouseflow' as vendor,
        mouseflow_id as website_id
    from domain_matches
),

candidates as (
    select
        coalesce(matched.site, websites.domain, websites.website_id) as site,
        matched.site is not null as is_matched,
        websites.vendor,
        websites.website_id,
        websites.website_name,
        websites.domain,
        websites.timezone,
        cast(timezone(websites.timezone, build_clock.built_at) as date)
        - coalesce(settings.lookback_days, 0) as final_before
    from websites
    left join matched
        on websites.vendor = matched.vendor and websites.website_id = matched.website_id
    left join settings
        on websites.vendor = settings.vendor
    cross join build_clock
),

named as (
    select
        case
            when
                row_number() over (
                    partition by site, vendor order by is_matched desc, website_id asc
                ) = 1
                then site
            else site || ' [' || website_id || ']'
        end as site,
        vendor,
        website_id,
        website_name,
        domain,
        timezone,
        final_before
    from candidates
),

site_vendor_sets as (
    select
        site,
        string_agg(distinct vendor, ',' order by vendor) as site_vendors,
        count(distinct vendor) = 2 as tracked_by_both
    from named
    group by site
),

final as (
    select
        named.*,
        site_vendor_sets.site_vendors,
        site_vendor_sets.tracked_by_both
    from named
    inner join site_vendor_sets
        on named.site = site_vendor_sets.site
)

select * from final
