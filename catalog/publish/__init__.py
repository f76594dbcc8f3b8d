"""Publishing the catalog: model pages and tables as text (:mod:`.pages`), the listing's
selection and order (:mod:`.listing`), machine-readable documents (:mod:`.documents`), the
static HTML site (:mod:`.html`) and ``catalog compile`` (:mod:`.compile`)."""

from __future__ import annotations

from .compile import compile_catalog
from .documents import catalog_doc, list_doc, model_doc, offering_doc
from .html import index_page, model_card_page, offering_page, write_site
from .listing import select
from .pages import LIST_HEADERS, list_rows, model_page, show_page, table

__all__ = [
    "LIST_HEADERS",
    "catalog_doc",
    "compile_catalog",
    "index_page",
    "list_doc",
    "list_rows",
    "model_card_page",
    "model_doc",
    "model_page",
    "offering_doc",
    "offering_page",
    "select",
    "show_page",
    "table",
    "write_site",
]
