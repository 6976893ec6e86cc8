"""Synchronisation: snapshots, the pure planner and the executor. The only layer that knows both CRM and Constant Contact."""
