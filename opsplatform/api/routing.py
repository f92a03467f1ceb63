"""Routing conventions shared by every app's API."""

#: Numeric ids in URLs: anything else, or a number too large for a database id, is simply not found (404).
ID_PATTERN = r"[0-9]{1,18}"


class IdConverter:
    """``<id:...>`` in page URLs: the same bounded numeric id as the API's."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
