"""Writing products of the shared catalogue in bulk, matched on their SKU."""

import json
from typing import Any

from django.utils import timezone

from rapport.core.records import records_changed
from rapport.dataio.models import (
    ImportAction,
)
from rapport.dataio.services.imports.plans import Planned
from rapport.dataio.services.imports.writer.common import (
    PRODUCT_COLUMNS,
    PRODUCT_DEFAULTS,
    PRODUCT_TABLE_COLUMNS,
    RECORD_COLUMNS,
    announce_updates,
    jsonable,
    row_fields,
)
from rapport.dataio.tablewriter import TableWriter
from rapport.sales.models import Product


class ProductWriting:
    """Methods of `BatchWriter` (see batch.py) for this target."""

    def _product_values(self, fields: dict) -> dict:
        return {k: fields[k] for k in PRODUCT_COLUMNS if fields.get(k) not in (None, "")}

    def _create_products(self, cursor, planned: list[Planned]) -> int:
        """New products of the catalogue, as `product_create` writes them."""
        if not planned:
            return 0
        stamp = self._db_datetime(timezone.now())
        ids = self._reserve_ids(cursor, Product, len(planned))
        products, records = [], []
        for pk, p in zip(ids, planned, strict=True):
            fields = row_fields(p.row)
            values = {**PRODUCT_DEFAULTS, **self._product_values(fields)}
            products.append(
                (pk, stamp, stamp, fields["sku"], *(values[k] for k in PRODUCT_COLUMNS))
            )
            records.append((self.job.pk, "product", pk, ImportAction.CREATED, None))
        writer = TableWriter(cursor)
        writer.write("sales_product", PRODUCT_TABLE_COLUMNS, products)
        writer.write("dataio_importrecord", RECORD_COLUMNS, records)
        records_changed("product", ids, "created", actor=self.actor)
        return len(products)

    def _update_products(self, cursor, planned: list[Planned]) -> int:
        """Apply each row's non-empty values to the product with its SKU; orders keep the
        prices they were placed at. `before` keeps what was overwritten, for undo."""
        if not planned:
            return 0
        now = timezone.now()
        products = Product.objects.in_bulk([p.target_id for p in planned])
        changed_products, records, changes = [], [], []
        fields_changed: set[str] = set()
        applied = 0
        for p in planned:
            product = products.get(p.target_id)
            if product is None:
                continue
            before: dict[str, Any] = {}
            for name, value in self._product_values(row_fields(p.row)).items():
                if getattr(product, name) != value:
                    before.setdefault("columns", {})[name] = jsonable(getattr(product, name))
                    setattr(product, name, value)
                    fields_changed.add(name)
            applied += 1
            if before:
                product.updated_at = now
                changed_products.append(product)
                changes.append((product.pk, list(before["columns"])))
            records.append(
                (self.job.pk, "product", product.pk, ImportAction.UPDATED, json.dumps(before))
            )
        if changed_products:
            TableWriter(cursor).update(
                Product,
                changed_products,
                sorted({*fields_changed, "updated_at"}),
            )
        if records:
            TableWriter(cursor).write("dataio_importrecord", RECORD_COLUMNS, records)
        announce_updates("product", changes, self.actor)
        return applied
