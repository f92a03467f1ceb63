import django_filters
from django.utils.translation import gettext_lazy as _

from reference.choices import Topic
from reference.models import Mea

from .choices import DocumentKind, PostKind
from .models import Document, Post


class PostFilterSet(django_filters.FilterSet):
    """Inbox filters; the filtering itself is the inbox selector's, so pages and API agree."""

    topic = django_filters.ChoiceFilter(choices=Topic.choices, label=_("topic"), empty_label=_("Any"))
    kind = django_filters.ChoiceFilter(choices=PostKind.choices, label=_("kind"), empty_label=_("Any"))
    mea = django_filters.ModelChoiceFilter(
        queryset=Mea.objects.all(), field_name="meas", label=_("MEA"), empty_label=_("Any")
    )
    context = django_filters.CharFilter(label=_("context"))
    q = django_filters.CharFilter(label=_("search"))
    unread = django_filters.BooleanFilter(label=_("unread only"))
    awaiting_feedback = django_filters.BooleanFilter(label=_("awaiting my feedback"))

    class Meta:
        model = Post
        fields: list[str] = []

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        """The selector applies the cleaned values."""
        return queryset


class DocumentFilterSet(django_filters.FilterSet):
    topic = django_filters.ChoiceFilter(choices=Topic.choices, label=_("topic"), empty_label=_("Any"))
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices, label=_("kind"), empty_label=_("Any"))
    mea = django_filters.ModelChoiceFilter(
        queryset=Mea.objects.all(), field_name="meas", label=_("MEA"), empty_label=_("Any")
    )
    context = django_filters.CharFilter(label=_("context"))
    q = django_filters.CharFilter(label=_("search"))

    class Meta:
        model = Document
        fields: list[str] = []

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        return queryset
