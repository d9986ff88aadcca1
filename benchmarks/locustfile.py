"""Locust users for `benchmarks/load.py`: mixed hooks and patients, every answer checked, cards counted.

Reads the request bodies from OSTEOCDS_LOAD_BODIES (a JSON list of [path, body]) and, when the run stops,
writes the number of cards issued to OSTEOCDS_LOAD_RESULT.
"""

from __future__ import annotations

import json
import os
import random

from locust import FastHttpUser, events, task

with open(os.environ["OSTEOCDS_LOAD_BODIES"], encoding="utf-8") as f:
    BODIES = [(path, json.dumps(body).encode()) for path, body in json.load(f)]
CARDS = {"issued": 0, "calls": 0}


class Ehr(FastHttpUser):
    """An EHR calling all day: no think time, keep-alive."""

    @task
    def call(self) -> None:
        path, body = random.choice(BODIES)
        name = path.rsplit("/", 1)[1]
        with self.client.post(path, data=body, headers={"Content-Type": "application/json"}, name=name,
                              catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return
            cards = resp.json().get("cards")
            if not isinstance(cards, list):
                resp.failure("no cards array")
                return
            CARDS["issued"] += len(cards)
            CARDS["calls"] += 1


@events.quitting.add_listener
def _write_result(environment, **_kwargs) -> None:
    with open(os.environ["OSTEOCDS_LOAD_RESULT"], "w", encoding="utf-8") as out:
        json.dump(CARDS, out)
