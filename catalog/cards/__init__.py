"""The authored form of the catalog: pydantic card models and field types, safe YAML with
positions, the loader, cross-card checks, salvage, dump, the editor schema, and the build
into the run-time model. The only part of :mod:`catalog` that imports pydantic."""
