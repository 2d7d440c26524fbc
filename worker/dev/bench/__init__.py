"""`ipasn-worker bench`: the performance figures of docs/performance.md, from one run.

On one broker (Apache Kafka by default) it publishes the demo sample scaled to `--employees`
and measures, each part in processes of its own with every output of the worker on
(recalculated events, reconciled snapshots, agency figures): throughput against a bare
kafka-python consumer and the same job written with Quix Streams (throughput.py); latency at a
steady offered rate to one and two processes (latency.py); both once more with one process and
IPASN_AGENCY_OUTPUTS=true (every snapshot and recalculated event also on its agency's own
topic, contracts §15: what that costs, beside the same without); the cost per event against
employees already stored (flat_cost.py); a recompute of stored employees (recompute.py); the
first national load of profiles and positions with one and two processes, and its projection
(first_load/); events per second through the HTTP intake with batches of 1, 100 and 1,000
events a request (intake.py); a soak that shows whether memory stays flat under a long steady
stream (soak.py); and ends with the targets of the performance issue beside this run's figures
(targets.py).
Absolute figures drift with the machine; ratios to what ran in the same run drift less.
`--quick` runs every part at a small size: a smoke test that it all works, not a measurement.
"""
