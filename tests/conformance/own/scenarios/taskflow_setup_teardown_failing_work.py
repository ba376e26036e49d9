"""Setup and teardown through TaskFlow calls: the cluster is created as a setup, the job fails, the
teardown still deletes the cluster, and the run fails because of the job."""

import pendulum
from airflow.decorators import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2023, 12, 1, tz="UTC"), catchup=False)
def taskflow_setup_teardown_failing_work():
    @task
    def create_cluster() -> str:
        return "cluster-7"

    @task
    def submit_job(cluster_id: str):
        raise RuntimeError(f"job on {cluster_id} ran out of memory")

    @task
    def delete_cluster(cluster_id: str) -> str:
        return f"deleted {cluster_id}"

    @task
    def summarize():
        return "never"

    cluster = create_cluster()
    job = submit_job(cluster)
    cluster.as_setup() >> job >> delete_cluster(cluster).as_teardown(setups=cluster)
    job >> summarize()


taskflow_setup_teardown_failing_work()
