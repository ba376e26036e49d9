SELECT COUNT(*) FROM {{ params.schema }}.{{ task.table }} WHERE ds = '{{ ds }}'
