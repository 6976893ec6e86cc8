"""ctctdesk: a desktop contact database that keeps its email lists in step with Constant Contact."""

__version__ = "0.1.0"
