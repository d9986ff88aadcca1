"""Persistence through SQLAlchemy 2.x: issued cards, feedback, and seen JWT ids (replay cache).

No patient data is stored: an issued card is its uuid, service, topic, chart node ids and time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import DateTime, Integer, String, Text, create_engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class IssuedCard(Base):
    __tablename__ = "issued_card"

    uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(100), index=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    nodes: Mapped[str] = mapped_column(Text)  # JSON array of chart node ids
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    service_id: Mapped[str] = mapped_column(String(100), index=True)
    card_uuid: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    outcome_timestamp: Mapped[str] = mapped_column(String(40))
    accepted_suggestions: Mapped[str | None] = mapped_column(Text)  # JSON array of suggestion ids
    override_system: Mapped[str | None] = mapped_column(String(500))
    override_code: Mapped[str | None] = mapped_column(String(200))
    override_comment: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SeenToken(Base):
    __tablename__ = "seen_jwt"

    iss: Mapped[str] = mapped_column(String(500), primary_key=True)
    jti: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[int] = mapped_column(Integer, index=True)  # epoch seconds


@dataclass(frozen=True)
class TopicReport:
    topic: str
    issued: int
    with_feedback: int
    accepted: int
    overridden: int

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.with_feedback if self.with_feedback else None

    @property
    def override_rate(self) -> float | None:
        return self.overridden / self.with_feedback if self.with_feedback else None


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = create_engine(url, future=True)
        Base.metadata.create_all(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    # issued cards -----------------------------------------------------------------------------
    def store_issued_cards(self, service_id: str, items: list[tuple[str, str, tuple[str, ...]]]) -> None:
        """items: (card uuid, topic, node ids)."""
        if not items:
            return
        now = _now()
        with self.sessions.begin() as s:
            for card_uuid, topic, nodes in items:
                s.merge(IssuedCard(uuid=card_uuid, service_id=service_id, topic=topic,
                                   nodes=json.dumps(list(nodes)), issued_at=now))

    # feedback --------------------------------------------------------------------------------
    def store_feedback(self, service_id: str, items: list[dict]) -> tuple[int, int]:
        """Store validated feedback items idempotently; returns (stored, duplicates)."""
        stored = duplicates = 0
        for item in items:
            key = hashlib.sha256(
                json.dumps([service_id, item], sort_keys=True, separators=(",", ":")).encode()
            ).hexdigest()
            reason = (item.get("overrideReason") or {}).get("reason") or {}
            accepted = item.get("acceptedSuggestions")
            row = Feedback(
                dedupe_key=key,
                service_id=service_id,
                card_uuid=item["card"],
                outcome=item["outcome"],
                outcome_timestamp=item["outcomeTimestamp"],
                accepted_suggestions=json.dumps([a["id"] for a in accepted]) if accepted else None,
                override_system=reason.get("system"),
                override_code=reason.get("code"),
                override_comment=(item.get("overrideReason") or {}).get("userComment"),
                received_at=_now(),
            )
            with self.sessions() as s:
                if s.scalar(select(Feedback.id).where(Feedback.dedupe_key == key)) is not None:
                    duplicates += 1
                    continue
                s.add(row)
                try:
                    s.commit()
                    stored += 1
                except IntegrityError:  # the same feedback arrived concurrently
                    s.rollback()
                    duplicates += 1
        return stored, duplicates

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

    # report ----------------------------------------------------------------------------------
    def feedback_report(self) -> list[TopicReport]:
        """Per topic: cards issued, cards with feedback, accepted and overridden (distinct cards).

        Feedback on a card this service never recorded is reported under topic "(unknown card)".
        """
        with self.sessions() as s:
            issued = dict(s.execute(select(IssuedCard.topic, func.count()).group_by(IssuedCard.topic)).all())
            rows = s.execute(
                select(Feedback.card_uuid, Feedback.outcome, IssuedCard.topic)
                .outerjoin(IssuedCard, IssuedCard.uuid == Feedback.card_uuid)
                .distinct()
            ).all()
        cards: dict[str, set[str]] = {}
        accepted: dict[str, set[str]] = {}
        overridden: dict[str, set[str]] = {}
        for card_uuid, outcome, topic in rows:
            topic = topic or "(unknown card)"
            cards.setdefault(topic, set()).add(card_uuid)
            (accepted if outcome == "accepted" else overridden).setdefault(topic, set()).add(card_uuid)
        topics = sorted(set(issued) | set(cards))
        return [
            TopicReport(
                topic=t,
                issued=issued.get(t, 0),
                with_feedback=len(cards.get(t, ())),
                accepted=len(accepted.get(t, ())),
                overridden=len(overridden.get(t, ())),
            )
            for t in topics
        ]

    def dispose(self) -> None:
        self.engine.dispose()
