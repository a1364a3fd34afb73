"""Bulk import of workers from Excel or CSV (issue 11 §2)."""
