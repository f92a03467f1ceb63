from datetime import datetime

from django import template
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.safestring import SafeString

from reference.choices import Topic

from ..choices import DocumentKind, HandlingCode, PostKind

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
def tlp(code: str) -> str:
    """``amber`` as TLP writes it: ``TLP:AMBER``."""
    return HandlingCode(code).tlp if code in HandlingCode.values else code


@register.simple_tag
def tlp_badge(code: str) -> SafeString:
    """The TLP label in its colour on black, as TLP 2.0 shows it; the text alone carries the meaning."""
    if code not in HandlingCode.values:
        return format_html("")
    handling = HandlingCode(code)
    return format_html('<span class="tlp tlp-{}" title="{}">{}</span>', handling.value, handling.label, handling.tlp)


@register.filter
def as_datetime(value: str) -> datetime | None:
    """Dates travel in notifications as ISO text; templates format them in the reader's language."""
    return parse_datetime(value) if value else None
