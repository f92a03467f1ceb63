from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import selectors
from .choices import Language, Role
from .models import Administration


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class OtpField(forms.CharField):
    """Six digits from an authenticator app; spaces are forgiven."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Code from your authenticator app"))
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value).replace(" ", "")
        if value and (not value.isdigit() or len(value) != 6):
            raise forms.ValidationError(_("Enter the six digits your app shows."), code="invalid")
        return value


class OtpForm(forms.Form):
    otp_token = OtpField()


class AccessRequestForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Professional e-mail address"), max_length=254)
    administration = forms.ModelChoiceField(
        label=_("Administration"), queryset=Administration.objects.none(), empty_label=_("Choose…")
    )
    position = forms.CharField(label=_("Position"), max_length=128)
    justification = forms.CharField(
        label=_("Why do you need access?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The operations you take part in and what you need to do on the platform."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["administration"].queryset = selectors.administration_choices()  # type: ignore[attr-defined]


class EndorseForm(forms.Form):
    action = forms.ChoiceField(choices=[("endorse", _("Endorse")), ("approve", _("Approve")), ("reject", _("Reject"))])
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, required=False, initial=Role.OFFICER)
    reason = forms.CharField(
        label=_("Reason (sent to the person when rejecting)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ActivationForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password, nor one close to your name."),
    )
    password2 = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    otp_token = OtpField()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return cleaned
