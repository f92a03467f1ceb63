from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.choices import Language
from accounts.models import Administration, Unit, User
from reference.choices import Topic
from reference.models import Mea

from ..choices import (
    POST_HANDLING_CODE_HELP,
    AudienceKind,
    DocumentKind,
    FeedbackOutcome,
    Frequency,
    HandlingCode,
    NotificationKind,
    PostKind,
)
from ..models import Document, NotificationPreference, Post, StoredFile

CHOOSABLE = [(value, label) for value, label in AudienceKind.choices if value != AudienceKind.EXPLICIT]
NEW_POST_KINDS = [(value, label) for value, label in PostKind.choices if value != PostKind.FEEDBACK]
REPLY_KINDS = [(PostKind.INFORMATION, PostKind.INFORMATION.label), (PostKind.FEEDBACK, PostKind.FEEDBACK.label)]


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    url = serializers.SerializerMethodField()

    class Meta:
        model = StoredFile
        fields = ["name", "content_type", "size", "url"]

    def get_url(self, stored: StoredFile) -> str:
        return reverse("channel-file", args=[stored.uuid])


class PostSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    administration = serializers.SerializerMethodField()
    meas: serializers.RelatedField = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    read_at = serializers.DateTimeField(read_only=True, allow_null=True)
    awaiting_feedback = serializers.BooleanField(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    tlp = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = [
            "id", "kind", "topic", "title", "body", "body_html", "language", "context", "context_label", "meas",
            "author", "administration", "parent", "root", "due_at", "outcome", "audience", "created_at",
            "read_at", "awaiting_feedback", "attachments", "handling_code", "tlp",
        ]  # fmt: skip
        read_only_fields = fields
        # Only feedback has an outcome: the others answer "", which the schema must allow.
        extra_kwargs = {"outcome": {"allow_blank": True}}

    def get_author(self, post: Post) -> str:
        return post.author.get_full_name() or post.author.username

    def get_administration(self, post: Post) -> str:
        return post.author.administration.name if post.author.administration else ""

    def get_tlp(self, post: Post) -> str:
        return HandlingCode(post.handling_code).tlp


class PostCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NEW_POST_KINDS, default=PostKind.INFORMATION)
    topic = serializers.ChoiceField(choices=Topic.choices)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=50000)
    audience = serializers.ChoiceField(choices=CHOOSABLE)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    meas = serializers.SlugRelatedField(slug_field="code", queryset=Mea.objects.all(), many=True, required=False)
    chosen_users = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    chosen_administrations = serializers.SlugRelatedField(
        slug_field="code", queryset=Administration.objects.filter(is_active=True), many=True, required=False
    )
    chosen_units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), many=True, required=False)
    handling_code = serializers.ChoiceField(
        choices=HandlingCode.choices, default=HandlingCode.GREEN, help_text=POST_HANDLING_CODE_HELP
    )
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, max_length=10)


class ReplyCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=REPLY_KINDS, default=PostKind.INFORMATION)
    body = serializers.CharField(max_length=50000)
    outcome = serializers.ChoiceField(choices=FeedbackOutcome.choices, required=False, default="")
    handling_code = serializers.ChoiceField(
        choices=HandlingCode.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Empty keeps the code of the post answered; a reply can be stricter, never wider."),
    )
    attachments = serializers.ListField(child=serializers.FileField(), required=False, max_length=10)


class ForwardSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=CHOOSABLE)
    note = serializers.CharField(max_length=50000, required=False, allow_blank=True, default="")
    chosen_users = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    chosen_administrations = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Administration.objects.filter(is_active=True),
        many=True,
        required=False,
    )
    chosen_units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), many=True, required=False)
    handling_code = serializers.ChoiceField(
        choices=HandlingCode.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Empty keeps the code of the post forwarded; it can be stricter, never wider."),
    )


class RecipientSerializer(serializers.ModelSerializer):
    administration = serializers.CharField(source="administration.name", default="")

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "administration"]


class DocumentSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    meas: serializers.RelatedField = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    file_name = serializers.CharField(source="file.original_name", read_only=True)
    content_type = serializers.CharField(source="file.content_type", read_only=True)
    size = serializers.IntegerField(source="file.size", read_only=True)

    class Meta:
        model = Document
        fields = [
            "id", "title", "title_en", "title_fr", "kind", "topic", "meas", "context", "context_label",
            "audience", "file_name", "content_type", "size", "download_count", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class DocumentCreateSerializer(serializers.Serializer):
    title_en = serializers.CharField(max_length=200)
    title_fr = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    topic = serializers.ChoiceField(choices=Topic.choices)
    meas = serializers.SlugRelatedField(slug_field="code", queryset=Mea.objects.all(), many=True, required=False)
    audience = serializers.ChoiceField(choices=CHOOSABLE)
    chosen_users = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    chosen_administrations = serializers.SlugRelatedField(
        slug_field="code", queryset=Administration.objects.filter(is_active=True), many=True, required=False
    )
    file = serializers.FileField()


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="position")
    type = serializers.CharField()
    op = serializers.CharField()
    payload = serializers.JSONField()
    created_at = serializers.DateTimeField()


class NotificationPreferenceSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices, required=False, allow_blank=True, default="")
    topic = serializers.ChoiceField(choices=Topic.choices, required=False, allow_blank=True, default="")
    context = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")  # type: ignore[assignment]
    frequency = serializers.ChoiceField(choices=Frequency.choices)

    class Meta:
        model = NotificationPreference
        fields = ["id", "kind", "topic", "context", "frequency"]
        validators: list[object] = []
        extra_kwargs = {"id": {"read_only": True}}
