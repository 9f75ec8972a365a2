"""Writes of the opportunities app: rules (rules.py), generation and dispatch (generation.py),
execution, review, overdue sweep and handover (execution.py)."""
