"""What a person told an import about a partner's columns, remembered for that partner's next file."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ImportColumnMap(Base):
    """One column of one source's files mapped by hand: ``kind`` is the import ("parcels",
    "cart"), ``source`` whose files they are ("warehouse:3", "customer:12"), ``header`` the
    column's folded header (app.import_columns.header_key) and ``field`` the field it is read as
    ("" = ignore it)."""

    __tablename__ = "import_column_maps"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(60))
    header: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (UniqueConstraint("kind", "source", "header", name="uq_import_column_maps_header"),)
