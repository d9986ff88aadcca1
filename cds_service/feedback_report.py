"""`osteocds feedback-report`: acceptance and override per card topic and per suggestion topic.

A card's outcome counts under its `source.topic`; an accepted suggestion under its own topic (contract,
"Cards in one answer"). Each card counts once, by its final outcome: the last feedback wins (by the EHR's
`outcomeTimestamp`, then arrival) — a card accepted and then dismissed, the Sandbox's normal flow, is one overridden
card and one changed mind. A suggestion counts as accepted when any feedback accepted it (its order was created).
Feedback joins the card row issued by the same service; feedback whose card row is not there yet is *pending* for
`pending_seconds` (the row is written in the background), then *unmatched*: it is never counted as an outcome.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from cds_service.storage import CardRow, Database, FeedbackRow, SuggestionRow, now_utc


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class TopicReport:
    topic: str
    issued: int
    with_feedback: int
    accepted: int  # cards whose final outcome is accepted
    overridden: int
    changed: int  # cards whose feedback changed its outcome (accepted, then overridden, or back)

    @property
    def acceptance_rate(self) -> float | None:
        return _rate(self.accepted, self.with_feedback)

    @property
    def override_rate(self) -> float | None:
        return _rate(self.overridden, self.with_feedback)


@dataclass(frozen=True)
class SuggestionTopicReport:
    topic: str
    issued: int
    accepted: int

    @property
    def acceptance_rate(self) -> float | None:
        return _rate(self.accepted, self.issued)


@dataclass(frozen=True)
class Report:
    topics: list[TopicReport]
    suggestion_topics: list[SuggestionTopicReport]
    pending: int  # cards with feedback whose row may still be written
    unmatched: int  # cards with feedback and no row of that service after `pending_seconds`


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)  # SQLite drops the zone


def feedback_report(db: Database, pending_seconds: float, now: datetime | None = None) -> Report:
    cutoff = (now or now_utc()) - timedelta(seconds=pending_seconds)
    with db.sessions() as s:
        issued = dict(s.execute(select(CardRow.topic, func.count()).group_by(CardRow.topic)).all())
        offered = dict(s.execute(select(SuggestionRow.topic, func.count()).group_by(SuggestionRow.topic)).all())
        rows = s.execute(
            select(FeedbackRow.card_uuid, FeedbackRow.outcome, FeedbackRow.accepted_suggestions,
                   FeedbackRow.received_at, CardRow.topic)
            .outerjoin(CardRow, (CardRow.uuid == FeedbackRow.card_uuid) & (CardRow.service_id == FeedbackRow.service_id))
            .order_by(FeedbackRow.outcome_timestamp, FeedbackRow.received_at, FeedbackRow.id)
        ).all()
        accepted_ids = {(r.card_uuid, s_id) for r in rows if r.topic and r.accepted_suggestions
                        for s_id in json.loads(r.accepted_suggestions)}
        suggestion_topic = {} if not accepted_ids else {
            (c, u): t for c, u, t in s.execute(select(SuggestionRow.card_uuid, SuggestionRow.uuid, SuggestionRow.topic)
                                               .where(SuggestionRow.card_uuid.in_({c for c, _ in accepted_ids})))}
    final: dict[str, tuple[str, str]] = {}  # card -> (topic, last outcome): rows come oldest first
    seen: dict[str, set[str]] = {}
    pending: set[str] = set()
    unmatched: set[str] = set()
    for card_uuid, outcome, _, received_at, topic in rows:
        if topic is None:
            (pending if _aware(received_at) > cutoff else unmatched).add(card_uuid)
            continue
        final[card_uuid] = (topic, outcome)
        seen.setdefault(card_uuid, set()).add(outcome)
    counts: dict[tuple[str, str], int] = {}
    for card_uuid, (topic, outcome) in final.items():
        for key in ((topic, outcome), (topic, "feedback"), *([(topic, "changed")] if len(seen[card_uuid]) > 1 else [])):
            counts[key] = counts.get(key, 0) + 1
    accepted_by_topic: dict[str, int] = {}
    for key in accepted_ids:
        if key in suggestion_topic:
            accepted_by_topic[suggestion_topic[key]] = accepted_by_topic.get(suggestion_topic[key], 0) + 1
    topics = sorted(set(issued) | {t for t, _ in final.values()})
    return Report(
        topics=[TopicReport(t, issued.get(t, 0), *(counts.get((t, k), 0) for k in ("feedback", "accepted", "overridden", "changed")))
                for t in topics],
        suggestion_topics=[SuggestionTopicReport(t, offered.get(t, 0), accepted_by_topic.get(t, 0))
                           for t in sorted(set(offered) | set(accepted_by_topic))],
        pending=len(pending - unmatched),
        unmatched=len(unmatched),
    )
