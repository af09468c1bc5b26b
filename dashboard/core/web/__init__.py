"""HTTP and WebSocket plumbing: problems, headers, limits, probes, metrics and formatting."""
