"""A kind's list page: filters, sort, paging, and its live rows."""
