"""Persistence through SQLAlchemy 2.x on SQLite or PostgreSQL: issued cards, feedback, seen JWT ids.

No patient data is stored: an issued card is its uuid, service, topic(s), chart node ids and time, and each
of its suggestions is its uuid and topic. Feedback is written in one transaction per batch, deduplicated on
a canonical key, and refused (409) when the card was issued by another service. Feedback for a card whose
row is not written yet is kept and joins once the row appears (see `feedback_report`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

from sqlalchemy import (BigInteger, DateTime, Integer, String, Text, create_engine, delete, event, insert, inspect,
                        select, text)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from cds_service.errors import Conflict

# Lengths the validation enforces before anything reaches a column (PostgreSQL refuses longer strings).
ID_MAX = 200
SYSTEM_MAX = 500
DIALECT_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class Base(DeclarativeBase):
    pass


class CardRow(Base):
    __tablename__ = "issued_card"

    uuid: Mapped[str] = mapped_column(String(ID_MAX), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(100), index=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    topics: Mapped[str | None] = mapped_column(Text)  # JSON array: every topic the card covers, decision first
    nodes: Mapped[str] = mapped_column(Text)  # JSON array of chart node ids
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SuggestionRow(Base):
    __tablename__ = "issued_suggestion"

    card_uuid: Mapped[str] = mapped_column(String(ID_MAX), primary_key=True)
    uuid: Mapped[str] = mapped_column(String(ID_MAX), primary_key=True, index=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)


class FeedbackRow(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    service_id: Mapped[str] = mapped_column(String(100), index=True)
    card_uuid: Mapped[str] = mapped_column(String(ID_MAX), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    outcome_timestamp: Mapped[str] = mapped_column(String(40))  # UTC, microseconds
    accepted_suggestions: Mapped[str | None] = mapped_column(Text)  # JSON array of suggestion ids
    override_system: Mapped[str | None] = mapped_column(String(SYSTEM_MAX))
    override_code: Mapped[str | None] = mapped_column(String(ID_MAX))
    override_comment: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SeenToken(Base):
    __tablename__ = "seen_jwt"

    iss: Mapped[str] = mapped_column(String(SYSTEM_MAX), primary_key=True)
    jti: Mapped[str] = mapped_column(String(ID_MAX), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)  # epoch seconds, a signed 64-bit integer


@dataclass(frozen=True)
class IssuedCard:
    """What the feedback join needs of one issued card (built by `pipeline.issued_cards`)."""

    uuid: str
    topic: str
    topics: tuple[str, ...]
    nodes: tuple[str, ...]
    suggestions: tuple[tuple[str, str], ...] = ()  # (suggestion uuid, its topic)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def utc_instant(value: str) -> str:
    """An ISO 8601 instant in UTC with microseconds: one spelling per instant, whatever offset was sent."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed.astimezone(timezone.utc).isoformat(timespec="microseconds")


def dedupe_key(service_id: str, item: dict) -> str:
    """The same outcome is one row: built from the fields we store, so an extra field changes nothing."""
    reason = item.get("overrideReason") or {}
    coding = reason.get("reason") or {}
    canonical = [service_id, item["card"], item["outcome"], utc_instant(item["outcomeTimestamp"]),
                 sorted({a["id"] for a in item.get("acceptedSuggestions") or ()}),
                 coding.get("system"), coding.get("code"), reason.get("userComment")]
    return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL and synchronous=NORMAL: no fsync per commit, readers never wait for the writer."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


class DatabaseError(RuntimeError):
    """The database cannot be used at start (said in one line, without the password)."""


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
        if self.engine.dialect.name not in DIALECT_INSERTS:
            raise DatabaseError(f"unsupported database {self.engine.dialect.name!r}: use SQLite or PostgreSQL")
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            Base.metadata.create_all(self.engine)
            self._upgrade()
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise DatabaseError(f"cannot use the database {self.engine.url.render_as_string(hide_password=True)}: "
                                f"{reason}") from None
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._insert = DIALECT_INSERTS[self.engine.dialect.name]

    def _upgrade(self) -> None:
        """Columns added since 0.1.0 (create_all makes new tables, never new columns)."""
        columns = {c["name"] for c in inspect(self.engine).get_columns("issued_card")}
        if "topics" not in columns:
            with self.engine.begin() as conn:
                conn.execute(text("ALTER TABLE issued_card ADD COLUMN topics TEXT"))

    # issued cards -----------------------------------------------------------------------------
    def insert_issued(self, entries: Iterable[tuple[str, IssuedCard, datetime]]) -> int:
        """(service id, card, issued at) rows in one transaction of plain INSERTs; returns the card count."""
        cards, suggestions = [], []
        for service_id, card, issued_at in entries:
            cards.append({"uuid": card.uuid, "service_id": service_id, "topic": card.topic,
                          "topics": json.dumps(list(card.topics)), "nodes": json.dumps(list(card.nodes)),
                          "issued_at": issued_at})
            suggestions += [{"card_uuid": card.uuid, "uuid": s, "topic": t} for s, t in card.suggestions]
        if cards:
            with self.engine.begin() as conn:
                conn.execute(insert(CardRow), cards)
                if suggestions:
                    conn.execute(insert(SuggestionRow), suggestions)
        return len(cards)

    def store_issued(self, service_id: str, cards: list[IssuedCard]) -> None:
        """Synchronous write (the server goes through `card_writer.CardWriter`, off the request path)."""
        now = now_utc()
        self.insert_issued((service_id, c, now) for c in cards)

    # feedback --------------------------------------------------------------------------------
    def store_feedback(self, service_id: str, items: list[dict]) -> tuple[int, int]:
        """Store a validated batch in one transaction; returns (stored, duplicates).

        Raises Conflict (nothing written) when a card of the batch was issued by another service.
        """
        rows: dict[str, dict] = {}
        now = now_utc()
        for item in items:
            key = dedupe_key(service_id, item)
            reason = item.get("overrideReason") or {}
            accepted = item.get("acceptedSuggestions")
            rows.setdefault(key, {
                "dedupe_key": key, "service_id": service_id, "card_uuid": item["card"], "outcome": item["outcome"],
                "outcome_timestamp": utc_instant(item["outcomeTimestamp"]),
                "accepted_suggestions": json.dumps(sorted({a["id"] for a in accepted})) if accepted else None,
                "override_system": (reason.get("reason") or {}).get("system"),
                "override_code": (reason.get("reason") or {}).get("code"),
                "override_comment": reason.get("userComment"), "received_at": now,
            })
        card_ids = sorted({r["card_uuid"] for r in rows.values()})
        with self.engine.begin() as conn:
            issued_by = conn.execute(select(CardRow.uuid, CardRow.service_id).where(CardRow.uuid.in_(card_ids))).all()
            foreign = sorted(uuid for uuid, owner in issued_by if owner != service_id)
            if foreign:
                raise Conflict(f"card {foreign[0][:64]} was issued by another service; send its feedback there")
            stmt = self._insert(FeedbackRow).on_conflict_do_nothing(index_elements=["dedupe_key"])
            stored = len(conn.execute(stmt.returning(FeedbackRow.id), list(rows.values())).all())
        return stored, len(items) - stored

    # JWT replay cache --------------------------------------------------------------------------
    def remember_jti(self, iss: str, jti: str, expires_at: int, now: int) -> bool:
        """True when (iss, jti) is new; False when it was already seen and has not expired."""
        with self.sessions() as s:
            s.execute(delete(SeenToken).where(SeenToken.expires_at < now))
            s.commit()
            s.add(SeenToken(iss=iss, jti=jti, expires_at=expires_at))
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                return False
            return True

    def dispose(self) -> None:
        self.engine.dispose()
