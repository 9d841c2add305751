"""The one planner, from files to a Plan, for every command (run.py).

    load   (load.py)   files -> chunks (this process, or a pool: workers.py) -> Loaded:
                       manifests, where their numbers ring, cross-checks, owner, Policy
    each   (each.py)   manifests + an index of the live state -> their changes (pure)
    whole  (whole.py)  changes + Dograh's contacts and workflows + the review -> Plan

``validate`` runs load and the calling-hours check; ``status`` and ``import`` load and
match; ``plan`` and ``apply`` run all three. Every problem of every kind (YAML, schema,
CSV, resolution, preflight, conflicts) is collected in one run.
"""
