"""Finding coaches: who may be offered to a learner, in what order, and why.

Everything here works on plain values (`CoachCard`, `Seeker`, `Filters`), so the rules
are tested without a database or Slack. `CoachIndex` holds a program's coaches in memory
with a word index, so a search costs the same whether the program has ten coaches or ten
thousand; whoever builds it decides when it is stale.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rapidfuzz import fuzz, process

from coaching.vocabulary import CoachingKind, Expertise, MeetingForm

REMOTE = "remote"
FUZZY_CUTOFF = 80
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "who",
    ]
)


class Slot(StrEnum):
    """The learner's "2 + 1": a coach in their department, one elsewhere in their
    organization, and one outside their agency."""

    DEPARTMENT = "department"
    ORGANIZATION = "organization"
    OUTSIDE = "outside"

    @property
    def label(self) -> str:
        return {
            "department": "In my department",
            "organization": "In my organization, another department",
            "outside": "Outside my agency",
        }[self.value]


@dataclass(frozen=True)
class CoachCard:
    """What search needs to know about one coach."""

    person_id: int
    slack_user_id: str
    name: str
    title: str
    organization: str
    department: str
    city: str
    state: str
    time_zone: str | None
    areas: tuple[str, ...]
    expertise_other: str
    coaching_kinds: tuple[str, ...]
    meeting_forms: tuple[str, ...]
    statement: str
    max_learners: int
    current_learners: int
    paused: bool
    answer_hours: float | None = None
    """Median hours this coach took to answer intro requests; None if never asked."""

    @property
    def room(self) -> int:
        return max(self.max_learners - self.current_learners, 0)

    @property
    def area_labels(self) -> list[str]:
        return [
            self.expertise_other if area == Expertise.OTHER and self.expertise_other else area
            for area in self.areas
        ]


@dataclass(frozen=True)
class Seeker:
    """The learner searching, as far as ranking cares."""

    person_id: int | None
    organization: str = ""
    department: str = ""
    city: str = ""
    state: str = ""
    time_zone: str | None = None
    coaching_kinds: tuple[str, ...] = ()
    current_coaches: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Filters:
    text: str = ""
    area: str | None = None
    region: str | None = None
    """A state name to meet in person there, or REMOTE for "remote is fine"."""
    kind: str | None = None
    meeting: str | None = None
    slot: Slot | None = None

    @property
    def narrowed(self) -> bool:
        return any((self.text.strip(), self.area, self.region, self.kind, self.meeting, self.slot))


@dataclass(frozen=True)
class Match:
    coach: CoachCard
    score: float
    reasons: tuple[str, ...]


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def slot_of(seeker: Seeker, coach: CoachCard) -> Slot:
    if not seeker.organization or _norm(seeker.organization) != _norm(coach.organization):
        return Slot.OUTSIDE
    if seeker.department and _norm(seeker.department) == _norm(coach.department):
        return Slot.DEPARTMENT
    return Slot.ORGANIZATION


def hours_apart(zone_a: str | None, zone_b: str | None, now: datetime) -> float | None:
    """Difference between two time zones' UTC offsets at `now`, in hours."""
    if not zone_a or not zone_b:
        return None
    try:
        offset_a = now.astimezone(ZoneInfo(zone_a)).utcoffset()
        offset_b = now.astimezone(ZoneInfo(zone_b)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return None
    if offset_a is None or offset_b is None:
        return None
    return abs((offset_a - offset_b).total_seconds()) / 3600


def _hours_text(hours: float) -> str:
    if hours == 0:
        return "same time zone"
    whole = int(hours) if hours == int(hours) else round(hours, 1)
    return f"{whole} hour{'s' if hours != 1 else ''} apart"


def offerable(seeker: Seeker, coach: CoachCard) -> bool:
    """Paused or full coaches, the learner themself and their current coaches are never
    offered."""
    return (
        not coach.paused
        and coach.room > 0
        and coach.person_id != seeker.person_id
        and coach.person_id not in seeker.current_coaches
    )


def _words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in _STOPWORDS}


@dataclass
class CoachIndex:
    """A program's coaches with a word index for typo-tolerant free text."""

    coaches: dict[int, CoachCard] = field(default_factory=dict)
    _strong: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    _weak: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    _vocabulary: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    """States where coaches meet in person."""

    @classmethod
    def build(cls, coaches: Iterable[CoachCard]) -> CoachIndex:
        index = cls()
        for coach in coaches:
            index.coaches[coach.person_id] = coach
            strong = " ".join((coach.name, coach.organization, coach.title, *coach.area_labels))
            for word in _words(strong):
                index._strong[word].add(coach.person_id)
            for word in _words(coach.statement):
                index._weak[word].add(coach.person_id)
        index._vocabulary = sorted(set(index._strong) | set(index._weak))
        index.regions = sorted(
            {
                coach.state
                for coach in index.coaches.values()
                if coach.state and MeetingForm.IN_PERSON in coach.meeting_forms
            }
        )
        return index

    def _similar_words(self, token: str) -> list[str]:
        if len(token) <= 3:
            return [word for word in self._vocabulary if word == token or word.startswith(token)]
        found = process.extract(
            token, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None
        )
        similar = {word for word, _score, _index in found}
        similar.update(word for word in self._vocabulary if word.startswith(token))
        return list(similar)

    def text_scores(self, text: str) -> dict[int, float] | None:
        """Per coach, the share of the query's words found (names, organizations, titles
        and areas count fully, the coach's statement half). None when there is no text."""
        tokens = sorted(_words(text))
        if not tokens:
            return None
        scores: dict[int, float] = defaultdict(float)
        for token in tokens:
            best: dict[int, float] = {}
            for word in self._similar_words(token):
                for person_id in self._weak.get(word, ()):
                    best[person_id] = max(best.get(person_id, 0.0), 0.5)
                for person_id in self._strong.get(word, ()):
                    best[person_id] = 1.0
            for person_id, value in best.items():
                scores[person_id] += value / len(tokens)
        return scores

    def search(self, seeker: Seeker, filters: Filters, now: datetime) -> list[Match]:
        text_scores = self.text_scores(filters.text)
        candidates: Iterable[CoachCard] = (
            self.coaches.values()
            if text_scores is None
            else (self.coaches[person_id] for person_id in text_scores)
        )
        matches = [
            match
            for coach in candidates
            if (match := rank_one(seeker, coach, filters, now, text_scores)) is not None
        ]
        matches.sort(key=lambda match: (-match.score, match.coach.name.lower()))
        return matches


def rank_one(
    seeker: Seeker,
    coach: CoachCard,
    filters: Filters,
    now: datetime,
    text_scores: dict[int, float] | None = None,
) -> Match | None:
    """Score one coach for this seeker and these filters, with the reasons a person can
    follow; None if the coach is not to be offered."""
    if not offerable(seeker, coach):
        return None
    if filters.area and filters.area not in coach.areas:
        return None
    if filters.kind and filters.kind not in coach.coaching_kinds:
        return None
    if filters.meeting and filters.meeting not in coach.meeting_forms:
        return None
    if filters.slot and slot_of(seeker, coach) is not filters.slot:
        return None
    in_person = filters.region not in (None, REMOTE)
    if in_person and (
        _norm(coach.state) != _norm(filters.region or "")
        or MeetingForm.IN_PERSON not in coach.meeting_forms
    ):
        return None

    score = 0.0
    reasons: list[str] = []
    if text_scores is not None:
        relevance = text_scores.get(coach.person_id, 0.0)
        if relevance == 0:
            return None
        score += 10 * relevance
    wanted_areas = [filters.area] if filters.area else []
    query_words = _words(filters.text)
    wanted_areas += [area for area in coach.area_labels if _words(area) & query_words]
    shown_areas = list(dict.fromkeys(wanted_areas)) or coach.area_labels[:2]
    reasons.append(", ".join(shown_areas))

    kinds = [filters.kind] if filters.kind else list(seeker.coaching_kinds)
    shared_kinds = [kind for kind in kinds if kind in coach.coaching_kinds]
    if shared_kinds:
        score += 2
        if not filters.kind:
            reasons.append(
                " & ".join(CoachingKind(kind).short_label.lower() for kind in shared_kinds)
            )

    same_state = bool(seeker.state) and _norm(seeker.state) == _norm(coach.state)
    if in_person or same_state:
        score += 3
        same_city = bool(seeker.city) and _norm(seeker.city) == _norm(coach.city)
        score += 1 if same_city else 0
        reasons.append("same city" if same_city else "same region")
    hours = hours_apart(seeker.time_zone, coach.time_zone, now)
    if hours is not None and not in_person:
        score -= 0.5 * hours
        reasons.append(_hours_text(hours))

    if coach.answer_hours is not None:
        if coach.answer_hours <= 24:
            score += 2
            reasons.append("answers within a day")
        elif coach.answer_hours <= 72:
            score += 1
        else:
            score -= 1
            reasons.append("slow to answer")
    reasons.append("has room" if coach.room > 1 else "room for one more")
    return Match(coach=coach, score=round(score, 3), reasons=tuple(reasons))
