"""Driving runs: ``dags test`` today, the long-running scheduler later, on the same driver."""
