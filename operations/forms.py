from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import AdministrationKind, Role
from accounts.models import Administration, User
from reference.models import Country, HsCode, Mea, Rilo

from .choices import TEMPLATE_FIELDS, FieldRule, FormVariant

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S")


class CodesField(forms.CharField):
    """Codes typed as text, separated by commas or spaces, each checked against a code list."""

    def __init__(self, *, model: Any, normalise: Any = str.upper, **kwargs: Any) -> None:
        self.model = model
        self.normalise = normalise
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[Any]:
        value = super().clean(value)
        codes = [self.normalise(code.replace(".", "")) for code in value.replace(",", " ").split()]
        found = {item.pk: item for item in self.model.objects.filter(pk__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise forms.ValidationError(_("Unknown codes: %(codes)s") % {"codes": ", ".join(unknown)})
        return [found[code] for code in dict.fromkeys(codes)]


class OperationForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32, help_text=_("For example DEMETER-2026"))
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=200, required=False)
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    description_fr = forms.CharField(
        label=_("Description (French)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    coordinating_administration = forms.ModelChoiceField(
        label=_("Coordinating administration (V-OCU)"),
        queryset=Administration.objects.filter(kind__in=[AdministrationKind.RILO, AdministrationKind.SECRETARIAT]),
    )
    coordinators = forms.ModelMultipleChoiceField(
        label=_("Coordinators"),
        queryset=User.objects.filter(is_active=True, role__in=[Role.COORDINATOR, Role.SECRETARIAT]),
    )
    starts_at = forms.DateTimeField(label=_("Starts at (UTC)"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends at (UTC)"), widget=DATETIME)
    grace_days = forms.IntegerField(label=_("Reporting grace period (days)"), min_value=0, max_value=365, initial=14)
    scope_meas = forms.ModelMultipleChoiceField(label=_("MEAs in scope"), queryset=Mea.objects.all(), required=False)
    scope_hs_codes = CodesField(
        model=HsCode, normalise=str, label=_("Commodity focus (HS codes)"), required=False,
        help_text=_("Chapters, headings or subheadings, e.g. 8549, 3915, 2903.41"),
    )  # fmt: skip
    scope_rilos = forms.ModelMultipleChoiceField(
        label=_("Regions of interest"), queryset=Rilo.objects.all(), required=False
    )
    scope_countries = CodesField(
        model=Country, label=_("Countries of interest"), required=False, help_text=_("ISO codes, e.g. NG GH CN")
    )
    default_form = forms.ChoiceField(label=_("Default seizure form"), choices=FormVariant.choices)

    def __init__(self, *args: Any, user: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in TEMPLATE_FIELDS.items():
            self.fields[f"rule_{name}"] = forms.ChoiceField(
                label=label, choices=FieldRule.choices, initial=FieldRule.OPTIONAL, required=False
            )
        if editing:
            self.fields["code"].disabled = True
            self.fields["coordinating_administration"].disabled = True
        elif user.role == Role.COORDINATOR:
            self.fields["coordinating_administration"].initial = user.administration_id
            self.fields["coordinators"].initial = [user.pk]
        if user.role == Role.COORDINATOR:
            # A coordinator's operations are coordinated by people of the same office.
            coordinators = self.fields["coordinators"]
            coordinators.queryset = coordinators.queryset.filter(administration_id=user.administration_id)  # type: ignore[attr-defined]

    def rule_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("rule_")]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("rule_")]

    def field_rules(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"rule_{name}") or FieldRule.OPTIONAL for name in TEMPLATE_FIELDS}


class InviteForm(forms.Form):
    administrations = forms.ModelMultipleChoiceField(
        label=_("Administrations"),
        queryset=Administration.objects.filter(
            is_active=True, kind__in=[*AdministrationKind.national(), AdministrationKind.INTERNATIONAL]
        ).order_by("name"),
        required=False,
    )
    rilo = forms.ModelChoiceField(
        label=_("Or every administration of a RILO region"), queryset=Rilo.objects.all(), required=False
    )


class ExtendForm(forms.Form):
    ends_at = forms.DateTimeField(label=_("New end (UTC)"), widget=DATETIME)


class ThreadPostForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=50000)
