"""Constant Contact emulator (V3 API + OAuth2 server) on 127.0.0.1. Imports nothing else from ctctdesk."""
