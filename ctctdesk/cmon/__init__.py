"""Campaign Monitor API v3.3 client: the wire level (typed requests, pacing, errors)."""
