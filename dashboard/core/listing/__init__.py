"""Lists over the cache: queries, the page memo, continue tokens, visibility and counts."""
