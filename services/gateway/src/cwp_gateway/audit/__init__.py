"""The request audit: every write through the gateway and every read of a full ID
number, append-only, searchable by admins within their region, exported as Excel."""
