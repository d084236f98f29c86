"""Request models and output mappings of the HTTP API: camelCase exists only here, at the JSON
boundary (one module per resource)."""
