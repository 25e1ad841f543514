"""The `deaths` source family: ICE's Detainee Death Reports (FY2018 on) and its FOIA list of deaths
in custody (FY2003-FY2017). `reader` turns the PDFs into records; it touches no database."""

from patchwork_atlas.families.deaths.family import FAMILY

__all__ = ["FAMILY"]
