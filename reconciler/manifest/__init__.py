"""Manifests: files read as YAML, checked by the format's models, with their contacts CSVs
checked by Dograh's rules; the first stage of the pipeline (load.py is its entry)."""
