"""20 writers x 500 feedback posts at once, on each database: every row stored once, none lost."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from cds_service import create_app
from cds_service.storage import FeedbackRow

FEEDBACK = "/cds-services/osteoporosis-rcop-patient-view/feedback"
WRITERS, POSTS, DISTINCT = 20, 500, 5000


def item(n: int) -> dict:
    return {"card": f"card-{n}", "outcome": "overridden", "outcomeTimestamp": "2026-11-22T10:00:00Z"}


def test_20_writers_x_500_posts_store_every_row_once(database_url):
    # writer w posts items 250w .. 250w+499 (mod 5000): every item is posted by two writers at about the same time
    apps = [create_app({"TESTING": True, "DEV": True, "DATABASE_URL": database_url}) for _ in range(WRITERS)]
    results: list[tuple[int, int, set[int]]] = [(0, 0, set())] * WRITERS
    start = threading.Barrier(WRITERS)

    def write(w: int) -> None:
        client = apps[w].test_client()
        stored = duplicates = 0
        statuses = set()
        start.wait()
        for i in range(POSTS):
            resp = client.post(FEEDBACK, json={"feedback": [item((250 * w + i) % DISTINCT)]})
            statuses.add(resp.status_code)
            stored += resp.get_json().get("stored", 0)
            duplicates += resp.get_json().get("duplicates", 0)
        results[w] = (stored, duplicates, statuses)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db = apps[0].extensions["osteocds.db"]
    with db.sessions() as s:
        rows = s.execute(select(FeedbackRow.card_uuid, func.count()).group_by(FeedbackRow.card_uuid)).all()
    for app in apps:
        app.extensions["osteocds.db"].dispose()
    assert set().union(*(r[2] for r in results)) == {200}
    assert sum(r[0] for r in results) == DISTINCT and sum(r[1] for r in results) == WRITERS * POSTS - DISTINCT
    assert len(rows) == DISTINCT and {n for _, n in rows} == {1}
