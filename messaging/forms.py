from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Administration, Unit, User
from reference.choices import Topic
from reference.models import Mea

from .choices import (
    POST_HANDLING_CODE_HELP,
    AudienceKind,
    DocumentKind,
    FeedbackOutcome,
    Frequency,
    HandlingCode,
    NotificationKind,
    PostKind,
)

CHOOSABLE_AUDIENCES = [(value, label) for value, label in AudienceKind.choices if value != AudienceKind.EXPLICIT]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class UsernamesField(forms.CharField):
    """Usernames separated by commas or spaces, each checked against active accounts."""

    def clean(self, value):  # type: ignore[no-untyped-def]
        value = super().clean(value)
        names = sorted({name for name in value.replace(",", " ").split() if name})
        users = list(User.objects.filter(username__in=names, is_active=True))
        unknown = sorted(set(names) - {user.username for user in users})
        if unknown:
            raise forms.ValidationError(_("Unknown usernames: %(names)s") % {"names": ", ".join(unknown)})
        return users


class AudienceFields(forms.Form):
    audience = forms.ChoiceField(label=_("Audience"), choices=CHOOSABLE_AUDIENCES, widget=forms.RadioSelect)
    chosen_administrations = forms.ModelMultipleChoiceField(
        label=_("Chosen administrations"),
        queryset=Administration.objects.filter(is_active=True).order_by("name"),
        required=False,
        help_text=_("With the audience 'chosen recipients'."),
    )
    chosen_users = UsernamesField(
        label=_("Chosen people (usernames)"),
        required=False,
        help_text=_("With the audience 'chosen recipients'; separate usernames with commas."),
    )


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:  # type: ignore[override]
        return f"{obj.name} ({obj.administration})"


class PostForm(AudienceFields):
    chosen_units = UnitChoiceField(
        label=_("Chosen units"),
        queryset=Unit.objects.select_related("administration"),
        required=False,
        help_text=_("With the audience 'chosen recipients': the post reaches every member and the unit's inbox."),
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code (TLP)"),
        choices=HandlingCode.choices,
        initial=HandlingCode.GREEN,
        required=False,
        widget=forms.RadioSelect,
        help_text=POST_HANDLING_CODE_HELP,
    )

    def clean_handling_code(self) -> str:
        return self.cleaned_data.get("handling_code") or HandlingCode.GREEN

    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(v, label) for v, label in PostKind.choices if v != PostKind.FEEDBACK]
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}), max_length=50000)
    meas = forms.ModelMultipleChoiceField(label=_("MEAs"), queryset=Mea.objects.all(), required=False)
    due_at = forms.DateTimeField(
        label=_("Feedback due by (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("For alerts and requests for assistance."),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    field_order = ["kind", "topic", "title", "body", "meas", "due_at", "handling_code", "audience"]


class ForwardForm(AudienceFields):
    note = forms.CharField(
        label=_("Your note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=50000, required=False
    )
    chosen_units = UnitChoiceField(
        label=_("Chosen units"),
        queryset=Unit.objects.select_related("administration"),
        required=False,
        help_text=_("With the audience 'chosen recipients': the post reaches every member and the unit's inbox."),
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code (TLP)"),
        choices=[("", _("Same as the post forwarded")), *HandlingCode.choices],
        required=False,
        help_text=_("A forwarded post can be stricter than the original, never wider."),
    )

    field_order = ["note", "handling_code", "audience"]


class ReplyForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(PostKind.INFORMATION, PostKind.INFORMATION.label), (PostKind.FEEDBACK, PostKind.FEEDBACK.label)],
    )
    outcome = forms.ChoiceField(
        label=_("Outcome (feedback only)"), choices=[("", "—"), *FeedbackOutcome.choices], required=False
    )
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 5}), max_length=50000)
    handling_code = forms.ChoiceField(
        label=_("Handling code (TLP)"),
        choices=[("", _("Same as the post answered")), *HandlingCode.choices],
        required=False,
        help_text=_("A reply can be stricter than the post it answers, never wider."),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)


class DocumentForm(AudienceFields):
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    title_fr = forms.CharField(label=_("Title (French)"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    meas = forms.ModelMultipleChoiceField(label=_("MEAs"), queryset=Mea.objects.all(), required=False)
    file = forms.FileField(label=_("File"))

    field_order = ["title_en", "title_fr", "kind", "topic", "meas", "file", "audience"]


class PreferenceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("About"), choices=[("", _("Everything")), *NotificationKind.choices], required=False
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=[("", _("Any topic")), *Topic.choices], required=False)
    context = forms.CharField(
        label=_("Context"), max_length=64, required=False, help_text=_("Leave empty for every context.")
    )
    frequency = forms.ChoiceField(label=_("E-mail"), choices=Frequency.choices)
