"""The viewer's patient picker: the fixture gallery (fixtures/gallery.json, written by fixtures/make_gallery.py) and
the Synthea patients of ../shared/synthea/bundles, both found relative to the project, never by an absolute path.

A running service reads these files, never the browser's choice of path: a patient is picked by its gallery key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cds_service.bundle_request import split_drafts

PROJECT = Path(__file__).resolve().parents[2]
SYNTHEA = ("synthea", "Synthea (../shared/synthea/bundles)", "osteoporosis-rcop-patient-view")


@dataclass(frozen=True)
class Patient:
    key: str  # "rcop/RCOP-FX-3-in-hip-fracture-t-minus-1", "synthea/Hallie_Hoeger_..."
    path: Path
    label: str
    service: str  # the service the patient is written for (the picker preselects it)
    today: str | None  # the evaluation date it is written for (ISO)
    has_drafts: bool = False  # an order-service fixture: its draft orders travel as context.draftOrders
    sex: str = "unknown"
    age: int | None = None
    cards: tuple[dict, ...] | None = None  # the expected cards (indicator, topic, summary per language); None: unknown


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    patients: tuple[Patient, ...]


@dataclass(frozen=True)
class Gallery:
    groups: tuple[Group, ...] = ()
    by_key: dict[str, Patient] = field(default_factory=dict)

    def record(self, key: str) -> tuple[dict, list[dict] | None]:
        """(the patient's Bundle, its draft orders or None); KeyError for a key the gallery does not hold."""
        patient = self.by_key[key]
        bundle = json.loads(patient.path.read_text(encoding="utf-8"))
        return split_drafts(bundle) if patient.has_drafts else (bundle, None)


def _fixture_groups(root: Path) -> list[Group]:
    index = root / "fixtures" / "gallery.json"
    if not index.is_file():
        return []
    data = json.loads(index.read_text(encoding="utf-8"))
    groups = []
    for g in data["groups"]:
        patients = tuple(
            Patient(key=p["key"], path=root / "fixtures" / p["file"], label=f"{p['node']} {p['case']}: {p['title']}",
                    service=g["service"], today=data["today"], has_drafts=g["id"] == "orders", sex=p["sex"],
                    age=p["age"], cards=tuple(p["cards"]))
            for p in g["patients"] if (root / "fixtures" / p["file"]).is_file())
        if patients:
            groups.append(Group(g["id"], g["title"], patients))
    return groups


def _synthea_group(root: Path, today: str | None) -> list[Group]:
    folder = root.parent / "shared" / "synthea" / "bundles"
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not paths:
        return []
    group_id, title, service = SYNTHEA
    patients = tuple(Patient(key=f"{group_id}/{p.stem}", path=p, label=" ".join(p.stem.split("_")[:-1]),
                             service=service, today=today) for p in paths)
    return [Group(group_id, title, patients)]


def load(root: Path = PROJECT) -> Gallery:
    """The gallery as found on disk now; empty when the project's fixtures are not there (an installed package)."""
    groups = _fixture_groups(root)
    today = next((p.today for g in groups for p in g.patients), None)  # Synthea records are read as of the same day
    groups += _synthea_group(root, today)
    return Gallery(tuple(groups), {p.key: p for g in groups for p in g.patients})
