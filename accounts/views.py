from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate
from django.views.decorators.http import require_POST

from . import services
from .forms import LanguageForm


def _remember_language(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


class LoginView(auth_views.LoginView):
    """Session login; the person's saved language takes over from the browser's at once."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        language = form.get_user().language
        activate(language)
        return _remember_language(response, language)


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
