{% include 'header.txt' %}
SELECT *
FROM {{ params.schema }}.orders
WHERE order_date >= '{{ data_interval_start | ds }}'
  AND order_date < '{{ data_interval_end | ds }}'
