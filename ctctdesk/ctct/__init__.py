"""Constant Contact V3: OAuth2, keyring token store and the API client. Knows nothing of the CRM or Qt."""
