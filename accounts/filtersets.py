import django_filters
from django.utils.translation import gettext_lazy as _

from reference.models import Country, Rilo

from .models import Administration


class AdministrationFilterSet(django_filters.FilterSet):
    country = django_filters.ModelChoiceFilter(queryset=Country.objects.all(), label=_("country"))
    rilo = django_filters.ModelChoiceFilter(
        queryset=Rilo.objects.all(), field_name="country__rilo", label=_("RILO region")
    )

    class Meta:
        model = Administration
        fields = ["kind", "country", "rilo"]
