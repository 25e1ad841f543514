"""ICE's detention statistics and facility lists: the jails and centres that hold people for
ICE, with a stable identity across years, their place, and their yearly populations."""

from patchwork_atlas.families.detention.family import FAMILY

__all__ = ["FAMILY"]
