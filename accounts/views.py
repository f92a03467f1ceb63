import functools
import time
from collections.abc import Callable
from typing import Any, cast

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import activate, get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opsplatform.ratelimit import client_address, hit, submissions_limited, too_many_requests

from . import selectors, services
from .choices import Role
from .forms import AccessRequestForm, ActivationForm, EndorseForm, LanguageForm, OtpForm
from .lockout import lockout_response
from .middleware import second_factor_owed
from .models import AccessRequest, User
from .two_factor import session_verified, totp_confirmed_device, totp_qr_svg, totp_secret, two_factor_required

#: The user who gave the right password and still owes a code, and since when (seconds).
PENDING_USER = "accounts_pending_user"
PENDING_SECONDS = 300
#: Rows per page of the people page.
PEOPLE_PER_PAGE = 50


def _remember_language(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def sign_in_limited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Limit the POSTs of both sign-in steps to ``settings.LOGIN_RATE_LIMIT`` per client address.

    django-axes locks a username after a few failures; this stops one address from trying many usernames.
    """

    @functools.wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            wait = hit(scope="login", key=f"ip:{client_address(request)}", rate=settings.LOGIN_RATE_LIMIT)
            if wait:
                return too_many_requests(
                    wait,
                    _("Too many sign-in attempts from your address. Please wait %(seconds)s seconds and try again."),
                )
        return view(request, *args, **kwargs)

    return limited


@method_decorator(sign_in_limited, name="dispatch")
class LoginView(auth_views.LoginView):
    """Session login; the person's saved language takes over from the browser's at once."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        user = form.get_user()
        if totp_confirmed_device(user) is not None:
            self.request.session[PENDING_USER] = {
                "id": user.pk,
                "backend": user.backend,
                "since": time.time(),
                "next": self.get_success_url(),
            }
            return redirect("login-verify")
        response = super().form_valid(form)
        activate(user.language)
        if second_factor_owed(user):
            response = redirect("two-factor")
        return _remember_language(response, user.language)


def _safe_next(request: HttpRequest, target: str | None) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """Who is between the password and the code: from the login form, or a session not yet verified."""
    pending = request.session.get(PENDING_USER)
    if pending and time.time() - pending["since"] < PENDING_SECONDS:
        user = User.objects.filter(pk=pending["id"], is_active=True).first()
        if user is not None:
            return user, pending
    if request.user.is_authenticated and not session_verified(request.user):
        return cast(User, request.user), {"next": request.GET.get("next", "")}
    return None


@sign_in_limited
def login_verify(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: the code from the person's authenticator app."""
    found = _pending_user(request)
    if found is None:
        request.session.pop(PENDING_USER, None)
        messages.info(request, _("Sign in again: the second step waits five minutes at most."))
        return redirect("login")
    user, pending = found
    device = totp_confirmed_device(user)
    if device is None:
        return redirect("two-factor")
    credentials = {"username": user.username}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return lockout_response(request, None, credentials)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            request.session.pop(PENDING_USER, None)
            if not request.user.is_authenticated:
                auth_login(request, user, backend=pending.get("backend"))
            django_otp.login(request, device)
            activate(user.language)
            response = HttpResponseRedirect(_safe_next(request, pending.get("next") or request.GET.get("next")))
            return _remember_language(response, user.language)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if not AxesProxyHandler.is_allowed(request, credentials):
            return lockout_response(request, None, credentials)
        form.add_error("otp_token", _("This code is not valid. Enter the six digits your app shows now."))
    return render(request, "accounts/login_verify.html", {"form": form, "pending_user": user})


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """Stands in for the Django admin's own login form, which knows nothing of the second factor: staff sign in
    on the platform's pages (password, then code) and come back to the admin."""
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect("admin:index")
        raise PermissionDenied
    target = _safe_next(request, request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"))
    return redirect_to_login(target, login_url=reverse("login"))


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch the interface language with a plain form post; saved on the account when signed in."""
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)  # type: ignore[arg-type]
    return _remember_language(response, language)


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up, or remove, the authenticator app that gives the second sign-in step's codes."""
    user = cast(User, request.user)
    device = totp_confirmed_device(user)
    if device is not None and not session_verified(user):
        return redirect("login-verify")  # the password alone never replaces an authenticator
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("action") == "remove":
                services.totp_device_remove(user=user, otp_token=form.cleaned_data["otp_token"])
                messages.success(request, _("The authenticator app is removed; you sign in with your password only."))
            else:
                device = services.totp_device_confirm(user=user, otp_token=form.cleaned_data["otp_token"])
                django_otp.login(request, device)
                messages.success(request, _("Two-factor authentication is on: from now on, you sign in with a code."))
                return HttpResponseRedirect(_safe_next(request, request.GET.get("next")))
            return redirect("two-factor")
        except ValidationError as error:
            _form_errors(form, error)
    context: dict[str, Any] = {
        "form": form,
        "device": device,
        "required": two_factor_required(user) or user.is_staff or user.is_superuser,
    }
    if device is None or request.GET.get("replace"):
        pending = services.totp_device_start(user=user)
        context.update({"qr_svg": totp_qr_svg(pending), "secret": totp_secret(pending), "enrolling": True})
    return render(request, "accounts/two_factor.html", context)


def _form_errors(form: Any, error: ValidationError) -> None:
    """A service's errors onto the form: by field where the form has it, above the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                message = item.message % item.params if item.params else item.message
                form.add_error(field if field in form.fields else None, str(message))
    else:
        for message in error.messages:
            form.add_error(None, message)


# --- Access requests -------------------------------------------------------------------------------


@submissions_limited
def access_request_new(request: HttpRequest) -> HttpResponse:
    """The public form to ask for an account; no sign-in needed."""
    form = AccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.access_request_submit(language=get_language() or "en", **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return redirect("access-request-sent")
    return render(request, "accounts/access_request_form.html", {"form": form})


def access_request_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/access_request_sent.html")


def _deciding_user(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if user.role not in (Role.NATIONAL_CONTACT, Role.SECRETARIAT):
        raise PermissionDenied
    return user


@login_required
def access_request_list(request: HttpRequest) -> HttpResponse:
    user = _deciding_user(request)
    requests = selectors.access_request_list(user=user)
    return render(request, "accounts/access_request_list.html", {"requests": requests})


@login_required
def access_request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _deciding_user(request)
    try:
        access_request = selectors.access_request_get(user=user, pk=request_id)
    except AccessRequest.DoesNotExist:
        raise Http404 from None
    form = EndorseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        try:
            if action == "endorse":
                services.access_request_endorse(actor=user, access_request=access_request)
                messages.success(request, _("Request endorsed; the secretariat decides next."))
            elif action == "approve":
                services.access_request_approve(
                    actor=user, access_request=access_request, role=form.cleaned_data["role"] or Role.OFFICER
                )
                messages.success(request, _("Request approved; the activation link is on its way."))
            else:
                services.access_request_reject(
                    actor=user, access_request=access_request, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Request rejected; the person is told why."))
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You cannot take this decision."))
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return redirect("access-request-list")
    context = {
        "access_request": access_request,
        "form": form,
        "can_endorse": user.role == Role.NATIONAL_CONTACT and access_request.status == "pending",
        "can_approve": user.role == Role.SECRETARIAT and services.access_request_awaits_secretariat(access_request),
        "can_reject": access_request.status in ("pending", "endorsed")
        and (user.role == Role.SECRETARIAT or access_request.status == "pending"),
        "roles": Role.choices,
    }
    return render(request, "accounts/access_request_detail.html", context)


def account_activate(request: HttpRequest, token: str) -> HttpResponse:
    """The single-use link: a first password and the authenticator app, then the person signs in."""
    record = selectors.activation_token_get(raw=token)
    if record is None:
        raise Http404
    try:
        device = services.activation_device(token=record)
    except ValidationError as error:
        return render(request, "accounts/activation_refused.html", {"message": error.messages[0]}, status=410)
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_activate(
                token=record, password=form.cleaned_data["password1"], otp_token=form.cleaned_data["otp_token"]
            )
        except ValidationError as error:
            if getattr(error, "code", None) in ("used", "expired"):
                return render(request, "accounts/activation_refused.html", {"message": error.messages[0]}, status=410)
            if hasattr(error, "error_dict") and "password" in error.error_dict:
                error = ValidationError({"password1": error.error_dict["password"]})
            _form_errors(form, error)
        else:
            activate(record.user.language)
            messages.success(request, _("Your account is ready. Sign in with your password and a code from your app."))
            return _remember_language(redirect("login"), record.user.language)
    context = {
        "form": form,
        "person": record.user,
        "qr_svg": totp_qr_svg(device),
        "secret": totp_secret(device),
    }
    return render(request, "accounts/activate.html", context)


# --- People of an administration -----------------------------------------------------------------


def _may_manage(user: User, person: User) -> bool:
    """What ``services.user_deactivate`` and ``user_reactivate`` allow, to show only the buttons that work."""
    if person.pk == user.pk:
        return False
    return user.role == Role.SECRETARIAT or person.role not in settings.TWO_FACTOR_REQUIRED_ROLES


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """Accounts a contact point (their administration) or the secretariat (everyone) looks after: search,
    deactivate and reactivate them, unlock them, and send a new activation link to those never activated."""
    user = _deciding_user(request)
    managed = selectors.managed_people(user=user)
    search = request.GET.get("q", "").strip()[:100]
    accounts = managed
    if search:
        accounts = accounts.filter(
            Q(username__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search)
        )
    page = Paginator(accounts, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(person, _may_manage(user, person)) for person in page]
    return render(
        request,
        "accounts/people.html",
        {
            "page": page,
            "rows": rows,
            "search": search,
            "query": urlencode({"q": search}) if search else "",
            "awaiting": selectors.people_awaiting_activation(user=user),
            "locked": selectors.locked_people(user=user),
            "inactivity_days": settings.ACCOUNT_INACTIVITY_DAYS,
        },
    )


@login_required
@require_POST
def person_action(request: HttpRequest, person_id: int, action: str) -> HttpResponse:
    user = _deciding_user(request)
    try:
        person = selectors.managed_person_get(user=user, pk=person_id)
    except User.DoesNotExist:
        raise Http404 from None
    try:
        if action == "unlock":
            services.user_unlock(actor=user, user=person)
            messages.success(request, _("%(name)s can sign in again.") % {"name": person})
        elif action == "deactivate":
            services.user_deactivate(actor=user, user=person)
            messages.success(request, _("%(name)s is deactivated.") % {"name": person})
        elif action == "reactivate":
            services.user_reactivate(actor=user, user=person)
            messages.success(request, _("%(name)s is active again.") % {"name": person})
        elif action == "resend-activation":
            services.activation_link_resend(actor=user, user=person)
            messages.success(request, _("A new activation link is on its way to %(name)s.") % {"name": person})
        else:
            raise Http404
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])) or _("Not allowed."))
    return redirect("people")
