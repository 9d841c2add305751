"""Manifests: files read as YAML, checked by the format's models, with their contacts CSVs
checked by Dograh's rules; the planner's load stage (load.py is its entry)."""
