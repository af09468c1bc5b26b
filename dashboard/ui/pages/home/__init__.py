"""The home page: kind cards, "needs attention", sparklines."""
