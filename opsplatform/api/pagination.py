from rest_framework.pagination import LimitOffsetPagination


class StandardPagination(LimitOffsetPagination):
    """``?limit=&offset=`` on every list, bounded so no client can ask for a whole table at once."""

    default_limit = 50
    max_limit = 1000
