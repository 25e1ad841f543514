"""Stage 4, geo: states, counties, places and ZIP codes; resolving agencies to jurisdictions."""
