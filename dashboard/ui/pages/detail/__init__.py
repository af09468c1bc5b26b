"""An object's page: header, overview, YAML, timeline, and its live feed."""
