from django.urls import path

from rapport.sales.views import catalog, orders

urlpatterns = [
    path("products/", catalog.product_list, name="product_list"),
    path("products/new/", catalog.product_create, name="product_create"),
    path("products/options/", catalog.product_options, name="product_options"),
    path("products/<int:pk>/edit/", catalog.product_edit, name="product_edit"),
    path("products/<int:pk>/deactivate/", catalog.product_deactivate, name="product_deactivate"),
    path("price-lists/", catalog.price_list_list, name="price_list_list"),
    path("price-lists/new/", catalog.price_list_create, name="price_list_create"),
    path("price-lists/<int:pk>/", catalog.price_list_detail, name="price_list_detail"),
    path("price-lists/<int:pk>/edit/", catalog.price_list_edit, name="price_list_edit"),
    path(
        "price-lists/<int:pk>/items/<int:product_pk>/remove/",
        catalog.price_list_remove_item,
        name="price_list_remove_item",
    ),
    path("orders/", orders.order_list, name="order_list"),
    path("orders/new/", orders.order_create, name="order_create"),
    path("orders/customer-options/", orders.customer_options, name="order_customer_options"),
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    path("orders/<int:pk>/status/", orders.order_change_status, name="order_change_status"),
    path("orders/<int:pk>/payments/", orders.order_record_payment, name="order_record_payment"),
    path("orders/<int:pk>/refunds/", orders.order_record_refund, name="order_record_refund"),
    path("deals/<int:deal_pk>/order/", orders.order_from_deal, name="order_from_deal"),
    path("receivables/", orders.receivables, name="receivables"),
]
