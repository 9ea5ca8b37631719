"""Incidents (事故), cost claims (費用損害) and payments against the limits (seed 004 §3–§6)."""
