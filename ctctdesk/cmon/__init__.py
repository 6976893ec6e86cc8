"""Campaign Monitor: the second email service (wire client, sync adapter, connection)."""
