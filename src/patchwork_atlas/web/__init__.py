"""The web atlas: server-rendered pages in English and Spanish, feeds and downloads."""
