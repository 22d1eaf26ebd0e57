"""The administrators' webhook pages: subscriptions, their deliveries log, re-send and test.

Administrators only (403 for everyone else), like every settings page: a subscription receives
the records of every team (docs/decisions.md, "Webhooks are administrators' settings").
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts.access import require_settings_manager
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404, page_or_first
from rapport.webhooks import selectors, services
from rapport.webhooks.forms import SubscriptionForm

DELIVERIES_PER_PAGE = 25


@login_required
def subscription_list(request):
    allowed_or_403(require_settings_manager, request.user)
    return render(
        request,
        "webhooks/subscription_list.html",
        {"subscriptions": selectors.subscriptions_list().order_by("name", "pk")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscription_create(request):
    allowed_or_403(require_settings_manager, request.user)
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST":
        subscription = save_form(
            form, lambda: services.subscription_create(actor=request.user, data=form.to_data())
        )
        if subscription is not None:
            messages.success(request, _("Webhook subscription created."))
            return redirect("webhooks:subscription_detail", subscription.pk)
    return render(request, "webhooks/subscription_form.html", {"form": form})


@login_required
def subscription_detail(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    subscription = found_or_404(selectors.get_subscription, pk)
    page = page_or_first(
        selectors.deliveries_of(subscription),
        sort="-created_at",
        cursor=request.GET.get("cursor"),
        size=DELIVERIES_PER_PAGE,
    )
    return render(
        request,
        "webhooks/subscription_detail.html",
        {"subscription": subscription, "page": page},
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    subscription = found_or_404(selectors.get_subscription, pk)
    form = SubscriptionForm(request.POST or None, instance=subscription)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.subscription_update(
                actor=request.user, subscription=subscription, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Webhook subscription saved."))
            return redirect("webhooks:subscription_detail", subscription.pk)
    return render(
        request,
        "webhooks/subscription_form.html",
        {"form": form, "subscription": subscription},
    )


@login_required
@require_POST
def subscription_delete(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    subscription = found_or_404(selectors.get_subscription, pk)
    services.subscription_delete(actor=request.user, subscription=subscription)
    messages.success(request, _("Webhook subscription deleted."))
    return redirect("webhooks:subscription_list")


@login_required
@require_POST
def subscription_test(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    subscription = found_or_404(selectors.get_subscription, pk)
    services.subscription_send_test(actor=request.user, subscription=subscription)
    messages.success(request, _("Test event queued: its result shows in the log below."))
    return redirect("webhooks:subscription_detail", subscription.pk)


@login_required
def delivery_detail(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    delivery = found_or_404(selectors.get_delivery, pk)
    return render(
        request,
        "webhooks/delivery_detail.html",
        {"delivery": delivery, "attempts": selectors.attempts_of(delivery)[:100]},
    )


@login_required
@require_POST
def delivery_redeliver(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    delivery = found_or_404(selectors.get_delivery, pk)
    services.delivery_redeliver(actor=request.user, delivery=delivery)
    messages.success(request, _("Sending again with the same event id."))
    return redirect("webhooks:delivery_detail", delivery.pk)
