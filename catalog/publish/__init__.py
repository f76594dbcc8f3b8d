"""Publishing the catalog: model pages (text), machine-readable documents, and
``catalog compile``."""
