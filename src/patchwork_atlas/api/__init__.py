"""Read-only consumer: the JSON API."""
