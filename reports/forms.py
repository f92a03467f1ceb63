from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from operations.models import Operation

from .choices import ReportKind


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReportKind.choices, initial=ReportKind.PRELIMINARY)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    baseline = forms.ModelChoiceField(
        label=_("Compare with (previous edition)"),
        queryset=Operation.objects.none(),
        required=False,
        empty_label=_("No comparison"),
    )

    def __init__(self, *args, baselines=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if baselines is not None:
            self.fields["baseline"].queryset = baselines  # type: ignore[attr-defined]
