"""Constant Contact's documented limits (V3 spec and developer guide), kept with the client that meets
them. The sync service hands the ones the planner must respect to it in `PlanSettings`; the planner
itself imports nothing of the client.
"""

from __future__ import annotations

CUSTOM_FIELDS_PER_ACCOUNT = 100
CUSTOM_FIELDS_PER_CONTACT = 25
CUSTOM_FIELD_LABEL_LENGTH = 50
CUSTOM_FIELD_VALUE_LENGTH = 255
LISTS_PER_ACCOUNT = 1000
