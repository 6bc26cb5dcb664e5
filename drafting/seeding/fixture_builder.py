"""Builds ``fixtures/bms7.json`` from the human-readable sources in ``fixtures/source/``.

Plain Python (no ORM): the fixture is written as Django's serialisation format with fixed
primary keys, so the same sources always give the same bytes. Each element, footnote and
record gets its first history entry ("+"), dated at the zero draft's issue and attributed to
no user, so the audit trail starts with the zero draft.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from drafting.text import snapshot as snapshots
from drafting.text.kinds import Status
from drafting.text.outline import OutlineElement, parse_outline

SNAPSHOT_FORMAT = 1


@dataclass
class FixtureRecords:
    records: list[dict[str, Any]] = field(default_factory=list)
    history_ids: dict[str, int] = field(default_factory=dict)

    def add(self, model: str, pk: int, fields: dict[str, Any]) -> None:
        self.records.append({"model": f"drafting.{model}", "pk": pk, "fields": fields})

    def add_with_history(
        self, model: str, pk: int, fields: dict[str, Any], *, when: str, reason: str
    ) -> None:
        self.add(model, pk, fields)
        history_id = self.history_ids.get(model, 0) + 1
        self.history_ids[model] = history_id
        historical = {"id": pk, **fields}
        historical.update(
            history_date=when,
            history_change_reason=reason,
            history_type="+",
            history_user=None,
        )
        self.add(f"historical{model}", history_id, historical)


def build_fixture(source_dir: Path) -> list[dict[str, Any]]:
    """Read the meeting description and its sources; return the fixture's records."""
    spec = json.loads((source_dir / "bms7_meeting.json").read_text(encoding="utf-8"))
    zero = spec["zero_draft"]
    when = datetime.fromisoformat(zero["issued_at"]).isoformat()
    reason = zero["change_reason"]
    out = FixtureRecords()

    out.add_with_history("meeting", 1, dict(spec["meeting"]), when=when, reason=reason)
    delegation_count = _add_delegations(
        out, json.loads((source_dir / spec["delegations"]).read_text("utf-8"))
    )
    # Every delegation takes part in BMS7: all States, the observers, the groups.
    for pk in range(1, delegation_count + 1):
        out.add_with_history(
            "participation", pk, {"meeting": 1, "delegation": pk}, when=when, reason=reason
        )
    out.add_with_history(
        "document", 1, {"meeting": 1, **spec["document"]}, when=when, reason=reason
    )

    annex = parse_outline((source_dir / zero["annex"]).read_text(encoding="utf-8"))
    rows = _add_elements(out, annex, when=when, reason=reason)
    snapshot: snapshots.Snapshot = {
        "format": SNAPSHOT_FORMAT,
        "document": {"title": spec["document"]["title"], "preamble": spec["document"]["preamble"]},
        "elements": snapshots.build_tree(rows),
    }
    cover_letter = (source_dir / zero["cover_letter"]).read_text(encoding="utf-8").strip()
    out.add(
        "revision",
        1,
        {
            "document": 1,
            "number": 0,
            "label": zero["label"],
            "symbol": spec["meeting"]["symbol_prefix"],
            "issued_at": when,
            "issued_by": None,
            "signatory": zero["signatory"],
            "cover_letter": cover_letter + "\n\n" + zero["addressees"],
            "snapshot": snapshot,
            "content_hash": snapshots.content_hash(snapshot),
        },
    )
    return out.records


def _add_delegations(out: FixtureRecords, source: dict[str, Any]) -> int:
    """Add the delegations with primary keys from 1; return how many."""
    pk_of: dict[str, int] = {}
    entries = [*source["states"], *source["groups"]]
    for pk, entry in enumerate(entries, start=1):
        code = entry.get("iso3") or _group_code(entry)
        pk_of[code] = pk
    for pk, entry in enumerate(entries, start=1):
        code = entry.get("iso3") or _group_code(entry)
        fields = {
            "code": code.lower(),
            "name": entry["name"],
            "short_name": entry["short_name"],
            "kind": entry["kind"],
        }
        if entry.get("members"):
            fields["members"] = sorted(pk_of[m] for m in entry["members"])
        # No history rows here: loading a group's members writes its first history entry
        # (simple-history tracks the membership), with ids of its own.
        out.add("delegation", pk, fields)
    return len(entries)


def _group_code(entry: dict[str, Any]) -> str:
    """A slug for a group; never three letters, which are the States' ISO codes (NAM!)."""
    code = slugify(entry["short_name"])
    return code if len(code) != 3 else slugify(entry["name"])


def _add_elements(
    out: FixtureRecords, annex: list[OutlineElement], *, when: str, reason: str
) -> list[snapshots.ElementRow]:
    rows: list[snapshots.ElementRow] = []
    next_pk = 1
    footnote_pk = 1
    # Depth-first, so primary keys follow reading order.
    stack: list[tuple[OutlineElement, int | None, int]] = [
        (element, None, position) for position, element in reversed(list(enumerate(annex)))
    ]
    while stack:
        element, parent_pk, position = stack.pop()
        pk = next_pk
        next_pk += 1
        fields = {
            "document": 1,
            "parent": parent_pk,
            "position": position,
            "kind": element.kind,
            "unnumbered": element.unnumbered,
            "text": element.text,
            "status": Status.PENDING,
        }
        out.add_with_history("element", pk, fields, when=when, reason=reason)
        for footnote_position, footnote_text in enumerate(element.footnotes):
            out.add_with_history(
                "footnote",
                footnote_pk,
                {"element": pk, "position": footnote_position, "text": footnote_text},
                when=when,
                reason=reason,
            )
            footnote_pk += 1
        rows.append(
            snapshots.ElementRow(
                id=pk,
                parent_id=parent_pk,
                position=position,
                kind=element.kind,
                text=element.text,
                status=Status.PENDING,
                unnumbered=element.unnumbered,
                footnotes=tuple(element.footnotes),
            )
        )
        stack.extend(
            (child, pk, child_position)
            for child_position, child in reversed(list(enumerate(element.children)))
        )
    return rows


def render_fixture(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"
