"""An invoice view rendered as text, JSON, CSV or HTML (one module each)."""
