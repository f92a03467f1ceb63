from datetime import datetime

from django import template
from django.utils.dateparse import parse_datetime

from reference.choices import Topic

from ..choices import DocumentKind, PostKind

register = template.Library()


@register.filter
def topic_label(code: str) -> str:
    return str(Topic(code).label) if code in Topic.values else code


@register.filter
def post_kind_label(code: str) -> str:
    return str(PostKind(code).label) if code in PostKind.values else code


@register.filter
def document_kind_label(code: str) -> str:
    return str(DocumentKind(code).label) if code in DocumentKind.values else code


@register.filter
def as_datetime(value: str) -> datetime | None:
    """Dates travel in notifications as ISO text; templates format them in the reader's language."""
    return parse_datetime(value) if value else None
