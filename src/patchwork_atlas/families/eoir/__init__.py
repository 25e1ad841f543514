"""The Justice Department's (EOIR's) rosters of legal-service providers: recognized
organizations and pro bono providers, their offices placed by their own ZIP."""

from patchwork_atlas.families.eoir.family import FAMILY

__all__ = ["FAMILY"]
