from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Administration, User
from reference.choices import Topic
from reference.models import Mea

from .choices import AudienceKind, DocumentKind, FeedbackOutcome, Frequency, NotificationKind, PostKind

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


class PostForm(AudienceFields):
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

    field_order = ["kind", "topic", "title", "body", "meas", "due_at", "audience"]


class ReplyForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(PostKind.INFORMATION, PostKind.INFORMATION.label), (PostKind.FEEDBACK, PostKind.FEEDBACK.label)],
    )
    outcome = forms.ChoiceField(
        label=_("Outcome (feedback only)"), choices=[("", "—"), *FeedbackOutcome.choices], required=False
    )
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 5}), max_length=50000)
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
