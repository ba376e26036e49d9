#!/usr/bin/env bash
# Rendered by Jinja before it runs: the BashOperator's bash_command ends in .sh.
set -e
echo "loading {{ params.table }} for {{ ds }}"
echo "{{ params.table }}:{{ ds_nodash }}:{{ task.task_id }}"
