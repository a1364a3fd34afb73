"""One OpenAPI 3.1 document for the whole public API (/api/v1/openapi.json), merged from
the services' own documents and the gateway's, and the docs page that shows it."""
