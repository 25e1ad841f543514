"""ICE's 287(g) lists: participating agencies and pending applications, every row of every
list, and the agreement-level history derived from the ordered publications."""

from patchwork_atlas.families.ice287g.family import FAMILY

__all__ = ["FAMILY"]
