{#- The path of a page address: 'https://www.shop.test/products?x=1' -> '/products';
    a path stays as it is. Pages of both vendors are compared by it. -#}
{% macro page_path(address) -%}
    coalesce(
        nullif(regexp_extract({{ address }}, '^(?:[a-zA-Z]+://[^/?#]*)?([^?#]*)', 1), ''), '/'
    )
{%- endmacro %}
