"""Sub-commands of the `ctctdesk` command line, one module per feature (see ctctdesk.cli)."""
