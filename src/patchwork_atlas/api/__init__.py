"""The read-only JSON API (/api/v1) and the queries it shares with the web pages."""
