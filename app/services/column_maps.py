"""Column mappings remembered per import and source: a partner warehouse's "Trọng lượng hàng
(gram)" column mapped by hand once is read as the weight in every later file from that partner."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.i18n import _
from app.import_columns import IGNORE, Schema
from app.models import ImportColumnMap
from app.permissions import Actor
from app.services.activity import now, record


def remembered(session: Session, kind: str, source: str) -> dict[str, str]:
    """{header key: field key or "" (ignore)} remembered for this source's files."""
    rows = session.execute(select(ImportColumnMap.header, ImportColumnMap.field)
                           .where(ImportColumnMap.kind == kind, ImportColumnMap.source == source))
    return {header: key for header, key in rows}


def check_choices(schema: Schema, choices: dict[str, str] | None) -> dict[str, str]:
    """The choices a person made in a preview, validated before any database sees them."""
    out: dict[str, str] = {}
    for header, key in (choices or {}).items():
        header, key = (header or "").strip(), (key or "").strip()
        if not header or len(header) > 200:
            raise ValidationFailed({"columns": _("A column without a header cannot be mapped.")})
        if key != IGNORE and key not in schema.keys:
            raise ValidationFailed({"columns": _("“{field}” is not a column this import reads.").format(field=key)})
        out[header] = key
    return out


def remember(tx: Session, actor: Actor, schema: Schema, source: str, choices: dict[str, str]) -> None:
    """Store the choices (one row per header; a later choice replaces an earlier one) in the
    caller's transaction. An insert-or-update keyed by the unique constraint, so two desktops
    saving the same column at once cannot both insert it."""
    choices = check_choices(schema, choices)
    if not choices:
        return
    at = now(tx)
    if tx.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    before = remembered(tx, schema.kind, source)
    for header, key in sorted(choices.items()):
        stmt = insert(ImportColumnMap).values(kind=schema.kind, source=source, header=header, field=key,
                                              updated_at=at, updated_by_id=actor.user_id)
        tx.execute(stmt.on_conflict_do_update(index_elements=["kind", "source", "header"],
                                              set_={"field": key, "updated_at": at,
                                                    "updated_by_id": actor.user_id}))
    changed = {h: k for h, k in choices.items() if before.get(h) != k}
    if changed:
        # one "header: before → after" line per column in the history; which import and whose files in the note
        record(tx, actor, "import_columns", None, "remembered",
               before={h: before[h] or "-" for h in changed if h in before},
               after={h: k or "-" for h, k in changed.items()}, note=f"{schema.kind} {source}")
