"""Sign-in, password, language, API key and audit log pages. Django's auth views do the sign-in
work."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts.forms import (
    ApiKeyForm,
    LanguageForm,
    NotificationDeliveryForm,
    SignInForm,
    ThrottledPasswordChangeForm,
)
from rapport.accounts.models import AuditAction
from rapport.accounts.selectors import audit_events_for, users_for_filters
from rapport.accounts.services import (
    api_key_create,
    api_key_revoke,
    user_calendar_token_clear,
    user_calendar_token_reset,
    user_set_language,
    user_set_notification_delivery,
    user_signed_in_language,
)
from rapport.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from rapport.core.htmx import found_or_404, int_or_none, page_or_first


def _remember_language(response, language: str):
    # The cookie LocaleMiddleware reads: the sign-in page after a sign-out, and any page before
    # the session is read, speak the user's language in this browser.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        # This request was answered in the sign-in page's language (LocaleMiddleware's choice):
        # a user without a saved language keeps it; a saved language wins.
        response = super().form_valid(form)
        language = user_signed_in_language(
            user=self.request.user, language=translation.get_language()
        )
        translation.activate(language)
        return _remember_language(response, language)


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    form_class = ThrottledPasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


def _safe_next(request, target: str | None) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("accounts:profile")


@login_required
def profile(request):
    form = LanguageForm(initial={"language": translation.get_language()})
    delivery_form = NotificationDeliveryForm(
        initial={"notification_delivery": request.user.notification_delivery}
    )
    calendar_url = ""
    if request.user.calendar_token:
        calendar_url = request.build_absolute_uri(
            reverse("activities:calendar_feed", args=[request.user.calendar_token])
        )
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "delivery_form": delivery_form, "calendar_url": calendar_url},
    )


@login_required
@require_POST
def set_notification_delivery(request):
    form = NotificationDeliveryForm(request.POST)
    if form.is_valid():
        user_set_notification_delivery(
            user=request.user, delivery=form.cleaned_data["notification_delivery"]
        )
        messages.success(request, _("Your notification settings are saved."))
    else:
        messages.error(request, _("Choose how you want to be notified."))
    return redirect("accounts:profile")


@login_required
@require_POST
def calendar_token(request):
    """Make a new calendar address (the old one stops working), or switch the feed off."""
    if request.POST.get("action") == "off":
        user_calendar_token_clear(user=request.user)
        messages.success(request, _("Your calendar feed is switched off."))
    else:
        had_one = bool(request.user.calendar_token)
        user_calendar_token_reset(user=request.user)
        messages.success(
            request,
            _("Your calendar has a new address; the old one no longer works.")
            if had_one
            else _("Your calendar feed is on. Add its address to your calendar program."),
        )
    return redirect("accounts:profile")


@login_required
@require_POST
def set_language(request):
    """Save the chosen language on the user; UserLanguageMiddleware applies it from now on."""
    form = LanguageForm(request.POST)
    if form.is_valid():
        try:
            user_set_language(user=request.user, language=form.cleaned_data["language"])
        except ValidationFailed as exc:
            messages.error(request, exc.message)
        else:
            translation.activate(request.user.language)
            return _remember_language(
                redirect(_safe_next(request, request.POST.get("next"))), request.user.language
            )
    else:
        messages.error(request, _("Unknown language."))
    return redirect(_safe_next(request, request.POST.get("next")))


@login_required
def api_keys(request):
    form = ApiKeyForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _key, new_secret = api_key_create(user=request.user, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            for field, errors in exc.details.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            form = ApiKeyForm()
    keys = request.user.api_keys.all()
    return render(
        request, "accounts/api_keys.html", {"form": form, "keys": keys, "new_secret": new_secret}
    )


@login_required
@require_POST
def api_key_revoke_view(request, pk: int):
    found_or_404(api_key_revoke, user=request.user, key_id=pk)
    messages.success(request, _("API key revoked."))
    return redirect("accounts:api_keys")


@login_required
def audit_log(request):
    """The audit log, newest first, for administrators (the selector decides; anyone else gets
    a 404, as for a record they may not see)."""
    action = request.GET.get("action") or ""
    if action not in AuditAction.values:
        action = ""
    actor_id = int_or_none(request.GET.get("actor"))
    try:
        events = audit_events_for(request.user, action=action or None, actor_id=actor_id)
    except PermissionDenied:
        raise Http404 from None
    page = page_or_first(
        events.select_related("actor"),
        sort="-created_at",
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    return render(
        request,
        "accounts/audit_log.html",
        {
            "page": page,
            "actions": AuditAction.choices,
            "action": action,
            "actor_id": actor_id,
            "users": users_for_filters(request.user),
        },
    )
