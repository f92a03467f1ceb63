"""The filing form: plain HTML forms and formsets that work without JavaScript, on a phone and a slow link.

The form checks shape only. Codes (HS, units, countries, ports) are typed as text and resolved by
the service, whose errors come back beside the field they name.
"""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from messaging.uploads import UploadUse, upload_check
from operations.forms import DATETIME
from reference.choices import BaselReason, CitesAppendix, ConcealmentMethod, DetectionMethod, TransportMode
from reference.models import CitesTerm, Mea, OdsSubstance, Unit

from .choices import (
    HANDLING_CODE_HELP,
    ActionTaken,
    Direction,
    Disposal,
    HandlingCode,
    PartyKind,
    PartyRole,
    PlaceFunction,
    RouteRole,
)

#: Header fields shown in the simplified form; the rest wait for the long form (or an operation that requires them).
SIMPLIFIED_HEADER = {
    "occurred_at", "place_port", "place_name", "transport_mode", "containers", "transport_document",
    "detection_methods", "narrative",
}  # fmt: skip
SIMPLIFIED_LINE = {"mea", "hs_code", "description", "quantity", "unit"}
DATETIME_INPUTS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


def _blank(choices: Any, label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *choices]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class SeizureForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("Date and time of seizure (UTC)"), widget=DATETIME, input_formats=DATETIME_INPUTS
    )
    place_port = forms.CharField(
        label=_("Port or airport"), max_length=8, required=False,
        help_text=_("UN/LOCODE, ICAO or IATA code, such as NGAPP, LFPG or CDG."),
    )  # fmt: skip
    place_name = forms.CharField(label=_("Place"), max_length=200, required=False)
    place_locode = forms.CharField(label=_("UN/LOCODE"), max_length=8, required=False)
    place_function = forms.ChoiceField(label=_("Kind of place"), choices=_blank(PlaceFunction.choices), required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=_blank(Direction.choices), required=False)
    transport_mode = forms.ChoiceField(label=_("Transport mode"), choices=_blank(TransportMode.choices), required=False)
    vessel_name = forms.CharField(label=_("Vessel name"), max_length=128, required=False)
    vessel_imo = forms.CharField(label=_("Vessel IMO number"), max_length=16, required=False)
    flight = forms.CharField(label=_("Flight"), max_length=16, required=False)
    vehicle_registration = forms.CharField(label=_("Vehicle registration"), max_length=32, required=False)
    containers = forms.CharField(
        label=_("Container numbers"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Separate several numbers with spaces or commas, such as CSQU3054383."),
    )  # fmt: skip
    transport_document = forms.CharField(label=_("Bill of lading or air waybill"), max_length=64, required=False)
    detection_methods = forms.MultipleChoiceField(
        label=_("Detection methods"), choices=DetectionMethod.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    concealment_methods = forms.MultipleChoiceField(
        label=_("Concealment methods"), choices=ConcealmentMethod.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    reasons = forms.MultipleChoiceField(
        label=_("Reasons (Basel Article 9)"), choices=BaselReason.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    actions_taken = forms.MultipleChoiceField(
        label=_("Action taken"), choices=ActionTaken.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    narrative = forms.CharField(
        label=_("Narrative"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code (TLP)"), choices=HandlingCode.choices, initial=HandlingCode.AMBER,
        widget=forms.RadioSelect, help_text=HANDLING_CODE_HELP,
    )  # fmt: skip
    attachments = MultipleFileField(
        label=_("Photos and documents"), required=False, widget=MultipleFileInput(attrs={"multiple": True})
    )

    def __init__(self, *args: Any, shown: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]

    def clean_containers(self) -> list[str]:
        return [item for item in re.split(r"[\s,;]+", self.cleaned_data.get("containers") or "") if item]


class LineForm(forms.Form):
    mea = forms.ChoiceField(label=_("MEA"), choices=())
    hs_code = forms.CharField(
        label=_("HS code"), max_length=16, widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 10})
    )
    description = forms.CharField(label=_("Description of the goods"), max_length=500)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=18, decimal_places=3)
    unit = forms.ChoiceField(label=_("Unit"), choices=(), required=False)
    waste_code = forms.CharField(label=_("Basel code"), max_length=8, required=False)
    ods_substance = forms.ChoiceField(label=_("ODS substance"), choices=(), required=False)
    equipment_pieces = forms.IntegerField(label=_("Pieces of pre-charged equipment"), min_value=0, required=False)
    species = forms.CharField(label=_("Species (scientific name)"), max_length=200, required=False)
    cites_appendix = forms.ChoiceField(label=_("CITES appendix"), choices=_blank(CitesAppendix.choices), required=False)
    cites_term = forms.ChoiceField(label=_("CITES term"), choices=(), required=False)
    live_count = forms.IntegerField(label=_("Alive at seizure"), min_value=0, required=False)
    surviving_count = forms.IntegerField(label=_("Surviving"), min_value=0, required=False)
    disposal = forms.ChoiceField(label=_("Disposal"), choices=_blank(Disposal.choices), required=False)

    def __init__(self, *args: Any, shown: set[str], choices: dict[str, list[Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]


class RouteLegForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=_blank(RouteRole.choices))
    country = forms.CharField(
        label=_("Country"), max_length=2, required=False,
        widget=forms.TextInput(attrs={"list": "countries", "size": 4}),
        help_text=_("Two-letter ISO code, such as NG"),
    )  # fmt: skip
    place_port = forms.CharField(label=_("Port or airport"), max_length=8, required=False)
    place_name = forms.CharField(label=_("Place"), max_length=200, required=False)


class PartyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Person or company"), choices=PartyKind.choices)
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    nationality = forms.CharField(
        label=_("Nationality"), max_length=2, required=False, widget=forms.TextInput(attrs={"list": "countries"})
    )
    document_number = forms.CharField(label=_("Identity document"), max_length=64, required=False)
    registration_number = forms.CharField(label=_("Company registration"), max_length=64, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("The platform's column layout or the CITES trade database layout. Imported whole or not at all."),
    )

    def clean_file(self) -> Any:
        """CSV or XLSX as the bytes say, within the upload size limit."""
        upload = self.cleaned_data["file"]
        try:
            upload_check(upload, use=UploadUse.IMPORT)
        except ValidationError as error:
            raise ValidationError(error.messages, code="file_type") from None
        return upload


def line_choices() -> dict[str, list[Any]]:
    """Code lists for the line selects, read once per page."""
    return {
        "mea": _blank([(mea.code, mea.short_name) for mea in Mea.objects.all()]),
        "unit": _blank(
            [(unit.code, f"{unit.code} · {unit.name}") for unit in Unit.objects.all()], _("number of specimens")
        ),
        "ods_substance": _blank([(item.code, item.code) for item in OdsSubstance.objects.all()]),
        "cites_term": _blank([(term.code, f"{term.code} · {term.name}") for term in CitesTerm.objects.all()]),
    }


LineFormSet = forms.formset_factory(LineForm, extra=0, min_num=1, max_num=200, can_delete=True, absolute_max=200)
RouteFormSet = forms.formset_factory(RouteLegForm, extra=0, min_num=1, max_num=20, can_delete=True, absolute_max=20)
PartyFormSet = forms.formset_factory(PartyForm, extra=0, max_num=100, can_delete=True, absolute_max=100)
