"""The one read layer: every query and place report that the CLI, the API and the web pages
show, so each output of one table has the same columns and the same rows."""
