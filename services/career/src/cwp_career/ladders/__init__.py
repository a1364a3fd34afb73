"""Ladder policies: schema, validation, templates, versions, resolution, preview."""
