from typing import Any, cast

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from opsplatform.api.idempotency import idempotent
from opsplatform.api.parsers import FormParser, JSONParser, MultiPartParser
from opsplatform.api.routing import ID_PATTERN
from opsplatform.downloads import FILE_CONTENT_SECURITY_POLICY
from opsplatform.filtering import api_filter_values
from opsplatform.throttling import ScopedRateThrottle

from .. import selectors, services
from ..filtersets import DocumentFilterSet, PostFilterSet
from ..models import Document, Event, NotificationPreference, Post
from . import serializers


def _user(request: Request) -> User:
    return cast(User, request.user)


class PostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's inbox. Posts not addressed to the caller do not exist for them (404)."""

    serializer_class = serializers.PostSerializer
    filterset_class = PostFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    queryset = Post.objects.none()
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Post]:
        if self.action == "list":
            return selectors.post_inbox(
                user=_user(self.request), filters=api_filter_values(PostFilterSet, self.request.query_params)
            )
        return selectors.post_inbox(user=_user(self.request))

    def get_object(self) -> Post:
        return selectors.post_get(user=_user(self.request), post_id=int(self.kwargs["pk"]))

    @extend_schema(request=serializers.PostCreateSerializer, responses={201: serializers.PostSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        form = serializers.PostCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        post = services.post_create(
            author=_user(request),
            kind=data["kind"],
            topic=data["topic"],
            title=data["title"],
            body=data["body"],
            audience=data["audience"],
            language=data.get("language"),
            meas=data.get("meas", []),
            chosen_users=data.get("chosen_users", []),
            chosen_administrations=data.get("chosen_administrations", []),
            chosen_units=data.get("chosen_units", []),
            handling_code=data["handling_code"],
            due_at=data.get("due_at"),
            attachments=data.get("attachments", []),
        )
        return Response(self.get_serializer(selectors.post_get(user=_user(request), post_id=post.pk)).data, status=201)

    @extend_schema(
        methods=["POST"], request=serializers.ReplyCreateSerializer, responses={201: serializers.PostSerializer}
    )
    @extend_schema(methods=["GET"], responses=serializers.PostSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    @idempotent
    def replies(self, request: Request, pk: str | None = None) -> Response:
        post = self.get_object()
        if request.method == "GET":
            return Response(self.get_serializer(selectors.post_replies(user=_user(request), post=post), many=True).data)
        form = serializers.ReplyCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reply = services.post_reply(author=_user(request), parent=post, **form.validated_data)
        return Response(self.get_serializer(selectors.post_get(user=_user(request), post_id=reply.pk)).data, status=201)

    @extend_schema(request=serializers.ForwardSerializer, responses={201: serializers.PostSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def forward(self, request: Request, pk: str | None = None) -> Response:
        """Pass the post on as a new post quoting it; its TLP code can be kept or made stricter, never wider."""
        form = serializers.ForwardSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        forwarded = services.post_forward(author=_user(request), post=self.get_object(), **form.validated_data)
        return Response(
            self.get_serializer(selectors.post_get(user=_user(request), post_id=forwarded.pk)).data, status=201
        )

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post", "delete"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """POST marks the post read, DELETE marks it unread again."""
        services.post_mark_read(user=_user(request), posts=[self.get_object()], read=request.method == "POST")
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=serializers.RecipientSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def recipients(self, request: Request, pk: str | None = None) -> Response:
        """Who received the post: shown to its author and coordinators only."""
        recipients = selectors.post_recipients_visible_to(user=_user(request), post=self.get_object())
        if recipients is None:
            raise Http404
        return Response(serializers.RecipientSerializer(recipients, many=True).data)


class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    throttle_scope = "download"  # the download action only: the others have no throttle class
    serializer_class = serializers.DocumentSerializer
    filterset_class = DocumentFilterSet
    parser_classes = [MultiPartParser, FormParser]
    queryset = Document.objects.none()
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Document]:
        if self.action == "list":
            return selectors.document_list(
                user=_user(self.request), filters=api_filter_values(DocumentFilterSet, self.request.query_params)
            )
        return selectors.document_list(user=_user(self.request))

    def get_object(self) -> Document:
        return selectors.document_get(user=_user(self.request), document_id=int(self.kwargs["pk"]))

    @extend_schema(request=serializers.DocumentCreateSerializer, responses={201: serializers.DocumentSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        form = serializers.DocumentCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        document = services.document_upload(
            uploader=_user(request),
            title_en=data["title_en"],
            title_fr=data["title_fr"],
            kind=data["kind"],
            topic=data["topic"],
            meas=data.get("meas", []),
            audience=data["audience"],
            chosen_users=data.get("chosen_users", []),
            chosen_administrations=data.get("chosen_administrations", []),
            upload=data["file"],
        )
        return Response(self.get_serializer(document).data, status=201)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], throttle_classes=[ScopedRateThrottle])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        document = self.get_object()
        services.document_record_download(user=_user(request), document=document, channel="api")
        return file_response(document.file)


def file_response(stored: Any) -> FileResponse:
    """Always an attachment with the sniffed type: a browser never renders an upload inline."""
    response = FileResponse(
        stored.file.open("rb"), as_attachment=True, filename=stored.original_name, content_type=stored.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CONTENT_SECURITY_POLICY
    return response


class EventListView(ListAPIView):
    """What the caller missed: their events after ``after``, in order. Resume from the last ``id`` seen."""

    serializer_class = serializers.EventSerializer
    queryset = Event.objects.none()
    filter_backends: list[Any] = []

    @extend_schema(parameters=[OpenApiParameter("after", int, description="last event id the client has seen")])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Event]:
        raw = self.request.query_params.get("after", "0")
        try:
            after = int(raw)
        except ValueError:
            raise ValidationError({"after": [_("Give the id of the last event received, a whole number.")]}) from None
        if after < 0:
            raise ValidationError({"after": [_("The event id cannot be negative.")]})
        return selectors.events_after(user=_user(self.request), after=after)


class NotificationPreferenceViewSet(viewsets.ModelViewSet):
    """The caller's e-mail preferences, each for a kind, topic and/or context (blank: any)."""

    serializer_class = serializers.NotificationPreferenceSerializer
    queryset = NotificationPreference.objects.none()
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> QuerySet[NotificationPreference]:
        return selectors.notification_preferences(user=_user(self.request))

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.notification_preference_set(
            user=_user(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        instance = serializer.instance
        serializer.instance = services.notification_preference_set(
            user=_user(self.request),
            kind=instance.kind,
            topic=instance.topic,
            context=instance.context,
            frequency=serializer.validated_data.get("frequency", instance.frequency),
        )

    def perform_destroy(self, instance: NotificationPreference) -> None:
        services.notification_preference_delete(preference=instance)
