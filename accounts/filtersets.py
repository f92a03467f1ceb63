import django_filters
from django.utils.translation import gettext_lazy as _

from reference.models import Country, Rilo

from .models import AccessLog, Administration, AuditEvent


class AdministrationFilterSet(django_filters.FilterSet):
    country = django_filters.ModelChoiceFilter(queryset=Country.objects.all(), label=_("country"))
    rilo = django_filters.ModelChoiceFilter(
        queryset=Rilo.objects.all(), field_name="country__rilo", label=_("RILO region")
    )

    class Meta:
        model = Administration
        fields = ["kind", "country", "rilo"]


AUDITED_TYPES = [
    ("operation", _("Operation")),
    ("participation", _("Participation")),
    ("seizure", _("Seizure")),
    ("party", _("Party")),
    ("post", _("Post")),
    ("document", _("Document")),
    ("user", _("User")),
    ("accessrequest", _("Access request")),
]


class AuditEventFilterSet(django_filters.FilterSet):
    object_type = django_filters.ChoiceFilter(choices=AUDITED_TYPES, label=_("object type"))
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="iexact", label=_("actor (username)"))
    administration = django_filters.ModelChoiceFilter(
        queryset=Administration.objects.order_by("name"), label=_("administration")
    )
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("from"))
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("until"))

    class Meta:
        model = AuditEvent
        fields = ["object_type", "actor", "administration", "since", "until"]


class AccessLogFilterSet(django_filters.FilterSet):
    object_type = django_filters.ChoiceFilter(
        choices=[("party", _("Party")), ("report", _("Report"))], label=_("object type")
    )
    action = django_filters.ChoiceFilter(choices=AccessLog.Action.choices, label=_("action"))
    user = django_filters.CharFilter(field_name="user__username", lookup_expr="iexact", label=_("user (username)"))
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("from"))
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("until"))

    class Meta:
        model = AccessLog
        fields = ["object_type", "action", "user", "since", "until"]
