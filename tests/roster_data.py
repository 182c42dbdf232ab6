"""Synthetic coach rosters for tests and benchmarks: varied, deterministic, invented.

Every row is valid as generated; a test breaks the rows it wants broken. Names are
made up, e-mails are at example.gov and phone numbers are in the 555-01xx range set
aside for fiction.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from pathlib import Path

from coaching.roster import COLUMNS
from coaching.vocabulary import CoachingKind, Expertise, Frequency, MeetingForm

FIRST = (
    "Adaeze", "Bram", "Calla", "Darnell", "Elif", "Fintan", "Greer", "Hollis", "Ines",
    "Jarrah", "Kwame", "Linnea", "Marisol", "Nadim", "Odette", "Piers", "Rosalind",
    "Soren", "Tamsin", "Ulani", "Vikram", "Wren", "Xiomara", "Yusuf", "Zelda",
)  # fmt: skip
LAST = (
    "Abernathy", "Bellweather", "Castellanos", "Drummond", "Eastwick", "Fairbanks",
    "Galloway", "Halvorsen", "Iwasaki", "Jorgensen", "Kettleby", "Lindqvist", "Marchetti",
    "Nakagawa", "Oyelaran", "Pemberton", "Quenneville", "Rasmussen", "Szabo", "Thistlewood",
)  # fmt: skip
PLACES = (
    ("Marrow Creek", "IA"), ("Port Alder", "WA"), ("Kestrel Falls", "CO"),
    ("Juniper Ridge", "AZ"), ("Lowell Bend", "NC"), ("Bramblewood", "WI"),
    ("Saltmarsh", "ME"), ("Cypress Landing", "LA"), ("Granite Hollow", "NH"),
    ("Prairie Vista", "KS"), ("Redwater", "TX"), ("Bluestem", "OK"),
)  # fmt: skip
EMPLOYERS = ("City of {city}", "{city} County", "Town of {city}", "{city} Regional Authority")
TITLES = (
    "City Manager", "Assistant City Manager", "Deputy County Administrator",
    "Finance Director", "Public Works Director", "Chief Information Officer",
    "Human Resources Director", "Budget and Performance Manager", "Fire Chief",
    "Economic Development Director", "Town Administrator",
)  # fmt: skip
DEPARTMENTS = (
    "Administration", "Finance", "Public Works", "Human Resources", "Information Technology",
    "Fire", "Police", "Community Development", "",
)  # fmt: skip
EDUCATION = ("MPA", "MBA", "BS Civil Engineering", "MPP; ICMA-CM", "BA Economics", "")
REASONS = (
    "Somebody answered my calls when I was new; I want to do the same.",
    "I like helping people see the politics of a decision before they walk into it.",
    "Coaching keeps me honest about my own habits as a manager.",
    "Our profession needs more people ready for the top job, and I can help with that.",
    "I made most of the classic budget mistakes and can save others a few of them.",
)
OTHER_AREAS = ("Parks and Recreation", "Library Services", "Emergency Management", "Airports")
PREFERENCES = (
    "",
    "Early-career analysts",
    "Anyone preparing for a first department-head role",
    "People in small towns",
)


def _spell(rng: random.Random, item: Frequency | MeetingForm | CoachingKind) -> str:
    """A choice as a spreadsheet might have it: the value, or its label in any case."""
    return rng.choice((item.value, item.label, item.label.upper(), item.label.lower()))


def synthetic_rows(n: int, seed: int = 0) -> list[dict[str, str]]:
    """`n` valid roster rows with unique e-mails (and no Slack IDs), the same for a seed."""
    rng = random.Random(seed)
    areas = [area for area in Expertise if area is not Expertise.OTHER]
    rows = []
    for i in range(n):
        first = FIRST[i % len(FIRST)]
        last = LAST[(i // len(FIRST) + seed) % len(LAST)]
        city, state = PLACES[rng.randrange(len(PLACES))]
        chosen = rng.sample(areas, 3)
        other = ""
        if rng.random() < 0.1:
            chosen[2] = Expertise.OTHER
            other = rng.choice(OTHER_AREAS)
        rows.append(
            {
                "slack_id": "",
                "name": f"{first} {last}",
                "email": f"{first}.{last}.{i}@example.gov".lower(),
                "phone": rng.choice(("({area}) 555-01{n:02d}", "{area}-555-01{n:02d}")).format(
                    area=rng.choice((319, 360, 720, 480, 919, 608, 207, 337)), n=i % 100
                ),
                "organization": rng.choice(EMPLOYERS).format(city=city),
                "department": rng.choice(DEPARTMENTS),
                "title": rng.choice(TITLES),
                "city": city,
                "state": state,
                "years_in_local_government": str(rng.randint(5, 38)),
                "education": rng.choice(EDUCATION),
                "why_coach": rng.choice(REASONS),
                "prior_mentoring": rng.choice(("", "Mentored interns for several years.")),
                "expertise": "; ".join(area.value for area in chosen),
                "expertise_other": other,
                "kinds_of_coaching": "; ".join(
                    _spell(rng, kind) for kind in rng.sample(list(CoachingKind), rng.randint(1, 3))
                ),
                "meeting_forms": "; ".join(
                    _spell(rng, form) for form in rng.sample(list(MeetingForm), rng.randint(1, 4))
                ),
                "frequency": _spell(rng, rng.choice(list(Frequency))),
                "max_learners": rng.choice(("", "1", "2", "3", "4")),
                "learner_preferences": rng.choice(PREFERENCES),
                "extra_info": "",
            }
        )
    return rows


def csv_text(rows: list[dict[str, str]], columns: Sequence[str] = COLUMNS) -> str:
    """`rows` as a roster's text, `columns` as the header (missing keys are empty)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), restval="", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_roster(
    path: Path,
    rows: list[dict[str, str]],
    *,
    columns: Sequence[str] = COLUMNS,
    bom: bool = False,
) -> Path:
    """Write `rows` as a roster CSV with `columns` as the header (missing keys are empty)."""
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns), restval="", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
