"""Workflow steps, one function each, named ``<entity>_<verb>``: keyword-only, atomic, locked."""
