"""HTML pages for the product catalogue and price lists.

Everyone may browse them; administrators and sales managers (`can_manage_catalog`) edit them.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.core.errors import ValidationFailed
from rapport.core.forms import save_form
from rapport.core.htmx import found_or_404, page_or_first
from rapport.sales.forms.orders import PriceListForm, PriceListItemForm, ProductForm
from rapport.sales.selectors import catalog as selectors
from rapport.sales.services import catalog as services

PRODUCT_OPTIONS_SHOWN = 30


def _require_catalog_manager(user) -> None:
    if not services.can_manage_catalog(user):
        raise PermissionDenied


# --- Products ------------------------------------------------------------------------------------


@login_required
@require_GET
def product_list(request):
    get = request.GET
    active = {"1": True, "0": False}.get(get.get("active", "1"))
    queryset = selectors.products_list(
        q=get.get("q", ""), category=get.get("category", ""), active=active
    )
    sort = get.get("sort") if get.get("sort") in selectors.PRODUCT_SORTS else "name"
    page = page_or_first(
        queryset, sort=sort, cursor=get.get("cursor"), size=settings.RAPPORT_PAGE_SIZE
    )
    return render(
        request,
        "sales/orders/product_list.html",
        {
            "page": page,
            "sort": sort,
            "q": get.get("q", ""),
            "category": get.get("category", ""),
            "active": get.get("active", "1"),
            "categories": selectors.product_categories(),
            "can_manage": services.can_manage_catalog(request.user),
        },
    )


@login_required
@require_GET
def product_options(request):
    """`<option>`s for an order line's product picker: the first active matches of `q`."""
    q = request.GET.get("product_search", "").strip()
    products = selectors.products_list(q=q, active=True).order_by("name", "id")
    return render(
        request,
        "sales/orders/_product_options.html",
        {"products": products[:PRODUCT_OPTIONS_SHOWN], "q": q},
    )


@login_required
def product_create(request):
    _require_catalog_manager(request.user)
    form = ProductForm(request.POST or None)
    if request.method == "POST":
        product = save_form(
            form, lambda: services.product_create(actor=request.user, data=form.to_data())
        )
        if product is not None:
            messages.success(request, _("Product created."))
            return redirect("sales:product_list")
    return render(request, "sales/orders/product_form.html", {"form": form})


@login_required
def product_edit(request, pk: int):
    _require_catalog_manager(request.user)
    product = found_or_404(selectors.get_product, pk)
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.product_update(
                actor=request.user, product=product, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("sales:product_list")
    return render(request, "sales/orders/product_form.html", {"form": form, "product": product})


@login_required
@require_POST
def product_deactivate(request, pk: int):
    _require_catalog_manager(request.user)
    product = found_or_404(selectors.get_product, pk)
    services.product_deactivate(actor=request.user, product=product)
    messages.success(request, _("The product is no longer sold."))
    return redirect("sales:product_list")


# --- Price lists ---------------------------------------------------------------------------------


@login_required
@require_GET
def price_list_list(request):
    return render(
        request,
        "sales/orders/price_list_list.html",
        {
            "price_lists": selectors.price_lists_list(),
            "can_manage": services.can_manage_catalog(request.user),
        },
    )


@login_required
def price_list_create(request):
    _require_catalog_manager(request.user)
    form = PriceListForm(request.POST or None)
    if request.method == "POST":
        price_list = save_form(
            form, lambda: services.price_list_create(actor=request.user, data=form.to_data())
        )
        if price_list is not None:
            messages.success(request, _("Price list created."))
            return redirect("sales:price_list_detail", pk=price_list.pk)
    return render(request, "sales/orders/price_list_form.html", {"form": form})


@login_required
def price_list_edit(request, pk: int):
    _require_catalog_manager(request.user)
    price_list = found_or_404(selectors.get_price_list, pk)
    form = PriceListForm(request.POST or None, instance=price_list)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.price_list_update(
                actor=request.user, price_list=price_list, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("sales:price_list_detail", pk=price_list.pk)
    return render(
        request, "sales/orders/price_list_form.html", {"form": form, "price_list": price_list}
    )


@login_required
def price_list_detail(request, pk: int):
    """The list's prices; managers set a product's price here (POST)."""
    price_list = found_or_404(selectors.get_price_list, pk)
    can_manage = services.can_manage_catalog(request.user)
    form = PriceListItemForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        _require_catalog_manager(request.user)
        if form.is_valid():
            try:
                services.price_list_set_price(
                    actor=request.user,
                    price_list=price_list,
                    product=found_or_404(selectors.get_product, form.cleaned_data["product_id"]),
                    unit_price=form.cleaned_data["unit_price"],
                )
            except ValidationFailed as exc:
                form.apply_service_errors(exc.details)
            else:
                messages.success(request, _("Price saved."))
                return redirect("sales:price_list_detail", pk=price_list.pk)
    return render(
        request,
        "sales/orders/price_list_detail.html",
        {
            "price_list": price_list,
            "items": selectors.price_list_items(price_list),
            "form": form,
            "can_manage": can_manage,
        },
    )


@login_required
@require_POST
def price_list_remove_item(request, pk: int, product_pk: int):
    _require_catalog_manager(request.user)
    price_list = found_or_404(selectors.get_price_list, pk)
    product = found_or_404(selectors.get_product, product_pk)
    services.price_list_remove_price(actor=request.user, price_list=price_list, product=product)
    messages.success(request, _("Price removed."))
    return redirect("sales:price_list_detail", pk=price_list.pk)
