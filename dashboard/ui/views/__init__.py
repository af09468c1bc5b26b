"""The UI's HTTP views: one module per page."""
