{#- A mart's grain holds (a generic test: the rows it returns break it): no two rows share
    the grain's `columns`, and none of them is null unless `nullable` names it (a null
    country_code still identifies one row: nulls compare equal here). -#}
{% test grain(model, columns, nullable=[]) %}
    {%- set required = columns | reject("in", nullable) | list -%}
    select
        'repeated' as problem,
        {{ columns | join(', ') }},
        count(*) as copies
    from {{ model }}
    group by all
    having count(*) > 1
    {%- if required %}
    union all
    select
        'null key' as problem,
        {{ columns | join(', ') }},
        1 as copies
    from {{ model }}
    where {{ required | join(' is null or ') }} is null
    {%- endif %}
{% endtest %}
