"""Patchwork: an open atlas of local participation in US immigration enforcement."""

__version__ = "0.1.0"
