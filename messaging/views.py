"""The channel's pages. Plain forms and links: everything works without JavaScript."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import User
from opsplatform.filtering import filter_values
from opsplatform.forms import apply_service_errors, posted_data, submitted
from opsplatform.ratelimit import download_limited

from . import selectors, services
from .api.views import file_response
from .filtersets import DocumentFilterSet, PostFilterSet
from .forms import DocumentForm, ForwardForm, PostForm, PreferenceForm, ReplyForm
from .models import NotificationPreference


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    filterset = PostFilterSet(data=request.GET)
    filters = filter_values(filterset)
    posts = selectors.post_inbox(user=_user(request), filters=filters)
    page = Paginator(posts, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "messaging/inbox.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query.urlencode(),
            "live": True,
            "can_post": policy.allows("post.create", user=_user(request)),
        },
    )


@login_required
def post_new(request: HttpRequest) -> HttpResponse:
    if not policy.allows("post.create", user=_user(request)):
        raise PermissionDenied
    form = PostForm(*submitted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            post = services.post_create(
                author=_user(request),
                kind=data["kind"],
                topic=data["topic"],
                title=data["title"],
                body=data["body"],
                audience=data["audience"],
                meas=list(data["meas"]),
                due_at=data["due_at"],
                chosen_users=data["chosen_users"] or [],
                chosen_administrations=list(data["chosen_administrations"]),
                chosen_units=list(data["chosen_units"]),
                handling_code=data["handling_code"],
                attachments=data["attachments"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your post was sent."))
            return redirect("channel-post", post.pk)
    return render(request, "messaging/post_form.html", {"form": form})


@login_required
def post_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    user = _user(request)
    post = selectors.post_get(user=user, post_id=post_id)
    root = post.root or post
    if root.pk != post.pk:
        root = selectors.post_get(user=user, post_id=root.pk)
    form = ReplyForm(*submitted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.post_reply(
                author=user,
                parent=root,
                kind=data["kind"],
                outcome=data["outcome"],
                body=data["body"],
                handling_code=data["handling_code"] or None,
                attachments=data["attachments"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect("channel-post", root.pk)
    replies = list(selectors.post_replies(user=user, post=root))
    services.post_mark_read(user=user, posts=[root, *replies])
    return render(
        request,
        "messaging/post_detail.html",
        {
            "post": root,
            "replies": replies,
            "form": form,
            "recipients": selectors.post_recipients_visible_to(user=user, post=root),
            "live": True,
        },
    )


@login_required
def post_forward(request: HttpRequest, post_id: int) -> HttpResponse:
    """Pass a post on to other people, under its TLP code or a stricter one."""
    user = _user(request)
    if not policy.allows("post.create", user=user):
        raise PermissionDenied
    post = selectors.post_get(user=user, post_id=post_id)
    form = ForwardForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            forwarded = services.post_forward(
                author=user,
                post=post,
                audience=data["audience"],
                note=data["note"],
                chosen_users=data["chosen_users"] or [],
                chosen_administrations=list(data["chosen_administrations"]),
                chosen_units=list(data["chosen_units"]),
                handling_code=data["handling_code"] or None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The post was forwarded."))
            return redirect("channel-post", forwarded.pk)
    return render(request, "messaging/post_forward.html", {"form": form, "post": post})


@login_required
def unit_inbox(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A unit's shared inbox: the posts addressed to it, and which of its members read each one.

    For its current members only, who may open every post listed; for anyone else, managers of the
    unit included, the page answers like a missing one.
    """
    unit = selectors.unit_inbox_get(user=_user(request), unit_id=unit_id)
    page = Paginator(selectors.unit_inbox(unit=unit), 25).get_page(request.GET.get("page"))
    readers = selectors.unit_post_readers(unit=unit, posts=page.object_list)
    return render(
        request,
        "messaging/unit_inbox.html",
        {"unit": unit, "page": page, "items": [(post, readers.get(post.pk, [])) for post in page.object_list]},
    )


@login_required
def library(request: HttpRequest) -> HttpResponse:
    filterset = DocumentFilterSet(data=request.GET)
    filters = filter_values(filterset)
    documents = selectors.document_list(user=_user(request), filters=filters)
    page = Paginator(documents, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    can_upload = _user(request).role in services.LIBRARY_ROLES
    return render(
        request,
        "messaging/library.html",
        {"filterset": filterset, "page": page, "query": query.urlencode(), "can_upload": can_upload},
    )


@login_required
def library_upload(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.role not in services.LIBRARY_ROLES:
        raise Http404
    form = DocumentForm(*submitted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.document_upload(
                uploader=user,
                title_en=data["title_en"],
                title_fr=data["title_fr"],
                kind=data["kind"],
                topic=data["topic"],
                meas=list(data["meas"]),
                upload=data["file"],
                audience=data["audience"],
                chosen_users=data["chosen_users"] or [],
                chosen_administrations=list(data["chosen_administrations"]),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The document was added to the library."))
            return redirect("channel-library")
    return render(request, "messaging/document_form.html", {"form": form})


@login_required
@download_limited
def document_download(request: HttpRequest, document_id: int) -> FileResponse:
    user = _user(request)
    document = selectors.document_get(user=user, document_id=document_id)
    services.document_record_download(user=user, document=document, channel="page")
    return file_response(document.file)


@login_required
@download_limited
def file_download(request: HttpRequest, uuid: str) -> FileResponse:
    user = _user(request)
    stored = selectors.stored_file_get(user=user, uuid=uuid)
    services.stored_file_record_download(user=user, stored=stored, channel="page")
    return file_response(stored)


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PreferenceForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.notification_preference_set(user=user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your e-mail preference was saved."))
            return redirect("channel-settings")
    return render(
        request,
        "messaging/settings.html",
        {"form": form, "preferences": selectors.notification_preferences(user=user)},
    )


@login_required
@require_POST
def notification_setting_delete(request: HttpRequest, preference_id: int) -> HttpResponse:
    preference = selectors.notification_preferences(user=_user(request)).filter(pk=preference_id).first()
    if preference is None:
        raise Http404
    services.notification_preference_delete(preference=cast(NotificationPreference, preference))
    return redirect("channel-settings")
