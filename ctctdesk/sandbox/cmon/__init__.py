"""A local stand-in for Campaign Monitor's API v3.3, in the shape of the Constant Contact sandbox (see NOTES.md)."""

from ctctdesk.sandbox.cmon.server import CmonConfig, CmonServer

__all__ = ["CmonConfig", "CmonServer"]
