"""Stage 1, sources: obtain raw publications (ICE's page, a URL, a folder or a file) and archive
them by content hash with their provenance, before anything parses them."""
