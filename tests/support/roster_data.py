"""Synthetic coach rosters: varied, deterministic, and obviously invented."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from coaching.roster import OPTIONAL, REQUIRED
from coaching.vocabulary import CoachingKind, Expertise, Frequency, MeetingForm

FIRST = [
    "Avery",
    "Blake",
    "Casey",
    "Devon",
    "Emery",
    "Finley",
    "Harper",
    "Jordan",
    "Kendall",
    "Logan",
    "Morgan",
    "Parker",
    "Quinn",
    "Reese",
    "Rowan",
    "Sawyer",
    "Taylor",
    "Riley",
    "Skyler",
    "Jamie",
]
LAST = [
    "Alvarez",
    "Brooks",
    "Chen",
    "Dawson",
    "Ellis",
    "Foster",
    "Garcia",
    "Hughes",
    "Ibarra",
    "Jensen",
    "Kim",
    "Lopez",
    "Moreno",
    "Novak",
    "Okafor",
    "Patel",
    "Quintero",
    "Rivera",
    "Singh",
    "Torres",
    "Underwood",
    "Vasquez",
    "Walsh",
    "Young",
]
PLACES = [
    ("Cedar Falls", "IA", "America/Chicago"),
    ("Ames", "IA", "America/Chicago"),
    ("Fort Collins", "CO", "America/Denver"),
    ("Boise", "ID", "America/Boise"),
    ("Eugene", "OR", "America/Los_Angeles"),
    ("Durham", "NC", "America/New_York"),
    ("Tempe", "AZ", "America/Phoenix"),
    ("Madison", "WI", "America/Chicago"),
    ("Bangor", "ME", "America/New_York"),
    ("Lafayette", "LA", "America/Chicago"),
]
TITLES = [
    "City Manager",
    "Assistant City Manager",
    "Finance Director",
    "Public Works Director",
    "County Administrator",
    "Deputy Police Chief",
    "HR Director",
    "Budget Officer",
]
DEPARTMENTS = [
    "Manager's Office",
    "Finance",
    "Public Works",
    "Human Resources",
    "Police",
    "Planning",
]
STATEMENTS = [
    "Helping new managers find their footing is the best part of my week.",
    "I learned budgeting the hard way and would like to spare others that.",
    "Council relations can be tricky; I enjoy talking through the politics.",
    "I coach because someone once took a chance on me.",
]
HEADER = [*REQUIRED, *OPTIONAL]


def synthetic_rows(n: int, seed: int = 0) -> list[dict[str, str]]:
    rng = random.Random(seed)
    areas = [area.value for area in Expertise if area is not Expertise.OTHER]
    rows = []
    for i in range(n):
        city, state, _tz = PLACES[i % len(PLACES)]
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        rows.append(
            {
                "slack_id": "",
                "name": f"{first} {last}",
                "email": f"{first}.{last}.{i}@example.gov".lower(),
                "phone": f"(515) 555-{i % 10000:04d}",
                "organization": f"City of {city}",
                "department": rng.choice(DEPARTMENTS),
                "title": rng.choice(TITLES),
                "city": city,
                "state": state,
                "years_in_local_government": str(rng.randint(8, 35)),
                "education": "MPA",
                "why_coach": rng.choice(STATEMENTS),
                "prior_mentoring": "",
                "expertise": "; ".join(rng.sample(areas, 3)),
                "expertise_other": "",
                "kinds_of_coaching": "; ".join(
                    kind.value for kind in rng.sample(list(CoachingKind), rng.randint(1, 3))
                ),
                "meeting_forms": "; ".join(
                    form.label for form in rng.sample(list(MeetingForm), rng.randint(1, 4))
                ),
                "frequency": rng.choice(list(Frequency)).label,
                "max_learners": str(rng.randint(1, 4)),
                "learner_preferences": "",
                "extra_info": "",
            }
        )
    return rows


def write_roster(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path
