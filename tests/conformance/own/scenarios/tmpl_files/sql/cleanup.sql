DELETE FROM {{ params.schema }}.staging WHERE day = '{{ macros.ds_add(ds, -1) }}';
