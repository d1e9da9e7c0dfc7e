"""Every list endpoint is paginated the same way: ``?page=`` and ``?page_size=`` (up to ``max_page_size``),
answering ``{count, next, previous, results}`` as the schema says."""

from __future__ import annotations

from config.paging import EstimatedCountPagination


class Pagination(EstimatedCountPagination):
    """Counts exact up to ``config.paging.EXACT_UP_TO`` rows, estimated above (no full COUNT(*))."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
