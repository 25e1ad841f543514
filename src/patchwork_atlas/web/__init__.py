"""Read-only consumer: the web atlas."""
