"""The registry's review queue: what a person should check, each item traced to a file and row.

Cells whose flags mean "kept as printed, not understood" (an unknown state, an impossible or
unreadable signing date, an unknown model...) are listed with an example file and row; so are
agreements with a review reason and suspect publications. Flags that record a fix made by a
rule or a correction table are not listed: they are explained."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

NEEDS_REVIEW = (
    "unknown_state", "state_fuzzy_matched", "blank_state", "blank_agency", "impossible_signed_date",
    "unparsed_signed_date", "unknown_model", "missing_model",
)


def registry_queue(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    groups: dict[tuple, dict[str, Any]] = {}
    for sha, sheet, row, flags, state, agency, model, signed in conn.execute(
        "SELECT r.sha256, r.sheet, r.row_number, r.flags, r.state_raw, r.agency_raw, r.support_type_raw,"
        " r.signed_raw FROM sheet_rows r WHERE r.flags != '[]' ORDER BY r.sha256, r.row_number"
    ):
        for flag in json.loads(flags):
            if flag not in NEEDS_REVIEW:
                continue
            value = {"unknown_state": state, "state_fuzzy_matched": state, "unknown_model": model,
                     "impossible_signed_date": signed, "unparsed_signed_date": signed}.get(flag)
            key = (flag, state, agency, value)
            item = groups.setdefault(key, {
                "kind": f"cell: {flag}", "subject": f"{(state or '').strip()} / {(agency or '').strip()}",
                "detail": f"printed {value!r}" if value is not None else "", "count": 0,
                "example": f"{_file_name(conn, sha)} sheet {sheet} row {row}",
            })
            item["count"] += 1
    out += sorted(groups.values(), key=lambda x: (x["kind"], x["subject"]))
    for r in conn.execute(
        "SELECT a.agreement_id, g.state_usps, g.name, a.model, a.review_reason FROM agreements a"
        " JOIN agencies g USING (agency_id) WHERE a.review_reason IS NOT NULL ORDER BY g.state_usps, g.name"
    ):
        out.append({"kind": "agreement", "subject": f"{r[1]} / {r[2]} / {r[3]}", "detail": r[4],
                    "count": 1, "example": r[0]})
    # An agreement removed while another agency of the same state is listed with the same model
    # and signing date, in the same list, is most likely ICE renaming (or retyping) an agency.
    for r in conn.execute(
        "SELECT r.event_date, r.state_usps, ga.name, gb.name, r.model, json_extract(r.detail, '$.signed'),"
        " r.publication_id FROM events r JOIN events l ON l.publication_id = r.publication_id"
        " AND l.kind = 'agreement_listed' AND r.kind = 'agreement_removed' AND l.state_usps = r.state_usps"
        " AND l.model = r.model AND json_extract(l.detail, '$.signed') = json_extract(r.detail, '$.signed')"
        " JOIN agencies ga ON ga.agency_id = r.agency_id JOIN agencies gb ON gb.agency_id = l.agency_id"
        " ORDER BY r.event_date, r.state_usps, ga.name, gb.name"
    ):
        out.append({"kind": "possible rename", "subject": f"{r[1]} / {r[2]} -> {r[3]}",
                    "detail": f"{r[4]} signed {r[5]}: removed and listed in the same list ({r[0]});"
                              " if it is one agency, add it to corrections/agency_names.csv",
                    "count": 1, "example": r[6]})
    for r in conn.execute(
        "SELECT publication_id, published_date, suspect_reason FROM publications WHERE suspect = 1 ORDER BY sort_key"
    ):
        out.append({"kind": "suspect publication", "subject": f"{r[0]} ({r[1]})", "detail": r[2],
                    "count": 1, "example": r[0]})
    return out


def _file_name(conn: sqlite3.Connection, sha256: str) -> str:
    row = conn.execute("SELECT file_name FROM file_sightings WHERE sha256 = ? ORDER BY file_name LIMIT 1",
                       (sha256,)).fetchone()
    return row[0] if row else sha256[:12]
