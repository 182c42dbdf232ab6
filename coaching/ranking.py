"""Ranking coaches: who may be offered to a learner, in what order, and why. Nothing
here loads anything: `coaching/gallery.py` loads a program's coaches and asks this.

Everything here works on plain values (`CoachCard`, `Seeker`, `Filters`), so the rules
are tested without a database or Slack. `CoachIndex` holds a program's coaches in memory
with a word index, so a search costs the same whether the program has ten coaches or ten
thousand; whoever builds it decides when it is stale.
"""

from __future__ import annotations

import heapq
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
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
    years: int = 0
    """Years in local government."""

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

    def to_dict(self) -> dict[str, str]:
        """The filters in a compact form (one letter a key, only what is set), as stored
        with a request and carried in a search message's block_ids."""
        data = {
            "t": self.text,
            "a": self.area,
            "r": self.region,
            "k": self.kind,
            "m": self.meeting,
            "s": self.slot.value if self.slot else None,
        }
        return {key: value for key, value in data.items() if value}

    def encoded(self, limit: int, text_limit: int) -> str:
        """The filters as compact JSON of at most `limit` UTF-16 code units (how Slack
        counts an id), so a click can carry them. The search words are cut to
        `text_limit`, then further until the encoding fits: quotes, backslashes and
        control characters take more than one character each in JSON."""
        text = self.text[:text_limit]
        while True:
            encoded = json.dumps(
                replace(self, text=text).to_dict(), separators=(",", ":"), ensure_ascii=False
            )
            if not text or len(encoded.encode("utf-16-le")) // 2 <= limit:
                return encoded
            text = text[:-1]

    @classmethod
    def decoded(cls, raw: str) -> Filters:
        """`encoded`'s opposite; anything unreadable is read as no filter."""
        try:
            return cls.from_dict(json.loads(raw))
        except ValueError:
            return cls()

    @classmethod
    def from_dict(cls, data: object) -> Filters:
        """`to_dict`'s opposite; anything unexpected is read as no filter."""
        if not isinstance(data, dict):
            return cls()

        def get(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value else None

        slot = get("s")
        return cls(
            text=get("t") or "",
            area=get("a"),
            region=get("r"),
            kind=get("k"),
            meeting=get("m"),
            slot=Slot(slot) if slot in set(Slot) else None,
        )


@dataclass(frozen=True)
class Match:
    coach: CoachCard
    score: float
    reasons: tuple[str, ...]


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def slot_for(
    organization: str, department: str, coach_organization: str, coach_department: str
) -> Slot:
    """Where a coach sits in a learner's "2 + 1", from both organizations and departments."""
    if not organization or _norm(organization) != _norm(coach_organization):
        return Slot.OUTSIDE
    if department and _norm(department) == _norm(coach_department):
        return Slot.DEPARTMENT
    return Slot.ORGANIZATION


def slot_of(seeker: Seeker, coach: CoachCard) -> Slot:
    return slot_for(seeker.organization, seeker.department, coach.organization, coach.department)


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


@dataclass(frozen=True)
class _Facts:
    """A coach's search-relevant facts, normalised once when the index is built."""

    person_id: int
    sort_name: str
    state: str
    city: str
    organization: str
    department: str
    zone: str | None
    kinds: frozenset[str]
    forms: frozenset[str]
    areas: frozenset[str]
    responsiveness: float


def _facts(coach: CoachCard) -> _Facts:
    return _Facts(
        person_id=coach.person_id,
        sort_name=coach.name.lower(),
        state=_norm(coach.state),
        city=_norm(coach.city),
        organization=_norm(coach.organization),
        department=_norm(coach.department),
        zone=coach.time_zone,
        kinds=frozenset(coach.coaching_kinds),
        forms=frozenset(coach.meeting_forms),
        areas=frozenset(coach.areas),
        responsiveness=_responsiveness(coach.answer_hours)[0],
    )


def _responsiveness(answer_hours: float | None) -> tuple[float, str | None]:
    """Coaches who answer promptly rank higher; those who leave requests waiting, lower."""
    if answer_hours is None:
        return 0.0, None
    if answer_hours <= 24:
        return 2.0, "answers within a day"
    if answer_hours <= 72:
        return 1.0, None
    return -1.0, "slow to answer"


def _kind_score(wanted: Iterable[str], offered: Iterable[str]) -> float:
    return 2.0 if set(wanted) & set(offered) else 0.0


def _place_score(
    home: tuple[str, str], state: str, city: str, hours: float | None, in_person: bool
) -> float:
    """Nearness: meeting in person or the same state counts, and so does every hour of
    time-zone difference when coaching is remote. `home` is the learner's state and city."""
    score = 0.0
    if in_person or (home[0] and home[0] == state):
        score += 3 + (1 if home[1] and home[1] == city else 0)
    if hours is not None and not in_person:
        score -= 0.5 * hours
    return score


def _admits(seeker: Seeker, facts: _Facts, filters: Filters) -> bool:
    """The filters and the learner's own exclusions (themself, their current coaches)."""
    if facts.person_id == seeker.person_id or facts.person_id in seeker.current_coaches:
        return False
    if filters.area and filters.area not in facts.areas:
        return False
    if filters.kind and filters.kind not in facts.kinds:
        return False
    if filters.meeting and filters.meeting not in facts.forms:
        return False
    if filters.region not in (None, REMOTE) and (
        facts.state != _norm(filters.region or "") or MeetingForm.IN_PERSON not in facts.forms
    ):
        return False
    if filters.slot:
        same_org = bool(seeker.organization) and _norm(seeker.organization) == facts.organization
        same_dept = (
            same_org and bool(seeker.department) and (_norm(seeker.department) == facts.department)
        )
        slot = Slot.DEPARTMENT if same_dept else Slot.ORGANIZATION if same_org else Slot.OUTSIDE
        if slot is not filters.slot:
            return False
    return True


@dataclass
class CoachIndex:
    """A program's coaches with a word index for typo-tolerant free text.

    Ranking every coach on every search has to be cheap: each coach's facts are
    normalised once here, and a search scores a coach with a few set look-ups and two
    small memo tables (by kinds offered, and by place and time zone)."""

    coaches: dict[int, CoachCard] = field(default_factory=dict)
    _offerable: list[_Facts] = field(default_factory=list)
    _kinds: list[frozenset[str]] = field(default_factory=list)
    _places: list[tuple[str, str, str | None]] = field(default_factory=list)
    _rows: list[tuple[int, str, int, int, float, _Facts]] = field(default_factory=list)
    """Per offerable coach: person id, sort name, kinds id, place id, responsiveness."""
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
            if not coach.paused and coach.room > 0:
                index._offerable.append(_facts(coach))
            strong = " ".join((coach.name, coach.organization, coach.title, *coach.area_labels))
            for word in _words(strong):
                index._strong[word].add(coach.person_id)
            for word in _words(coach.statement):
                index._weak[word].add(coach.person_id)
        index._vocabulary = sorted(set(index._strong) | set(index._weak))
        kind_ids: dict[frozenset[str], int] = {}
        place_ids: dict[tuple[str, str, str | None], int] = {}
        for facts in index._offerable:
            kinds = kind_ids.setdefault(facts.kinds, len(kind_ids))
            place = place_ids.setdefault((facts.state, facts.city, facts.zone), len(place_ids))
            index._rows.append(
                (facts.person_id, facts.sort_name, kinds, place, facts.responsiveness, facts)
            )
        index._kinds = list(kind_ids)
        index._places = list(place_ids)
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
            similar = self._similar_words(token)
            best = dict.fromkeys(set().union(*(self._weak.get(w, ()) for w in similar)), 0.5)
            best.update(
                dict.fromkeys(set().union(*(self._strong.get(w, ()) for w in similar)), 1.0)
            )
            for person_id, value in best.items():
                scores[person_id] += value / len(tokens)
        return scores

    def ranked(
        self,
        seeker: Seeker,
        filters: Filters,
        now: datetime,
        text_scores: dict[int, float] | None,
        *,
        limit: int | None = None,
    ) -> tuple[int, list[int]]:
        """How many coaches to offer, and the person ids of the best `limit` of them (all
        when None), best first with ties by name. `text_scores` comes from `text_scores`."""
        in_person = filters.region not in (None, REMOTE)
        filtered = any((filters.area, filters.kind, filters.meeting, filters.region, filters.slot))
        excluded = {seeker.person_id, *seeker.current_coaches}
        wanted = [filters.kind] if filters.kind else list(seeker.coaching_kinds)
        kind_scores = [_kind_score(wanted, kinds) for kinds in self._kinds]
        hours = {zone: hours_apart(seeker.time_zone, zone, now) for _s, _c, zone in self._places}
        home = (_norm(seeker.state), _norm(seeker.city))
        place_scores = [
            _place_score(home, state, city, hours[zone], in_person)
            for state, city, zone in self._places
        ]
        rows = self._rows
        if text_scores is not None:
            rows = [row for row in rows if row[0] in text_scores]
        scored: list[tuple[float, str, int]] = []
        for person_id, sort_name, kinds, place, responsiveness, facts in rows:
            if person_id in excluded or (filtered and not _admits(seeker, facts, filters)):
                continue
            relevance = text_scores[person_id] if text_scores is not None else 0.0
            score = 10 * relevance + kind_scores[kinds] + place_scores[place] + responsiveness
            scored.append((-score, sort_name, person_id))
        best = sorted(scored) if limit is None else heapq.nsmallest(limit, scored)
        return len(scored), [person_id for _score, _name, person_id in best]

    def search(self, seeker: Seeker, filters: Filters, now: datetime) -> list[Match]:
        """Every coach to offer, best first, each with its reasons."""
        text_scores = self.text_scores(filters.text)
        _total, ranked = self.ranked(seeker, filters, now, text_scores)
        return [
            match
            for person_id in ranked
            if (match := rank_one(seeker, self.coaches[person_id], filters, now, text_scores))
        ]


def rank_one(
    seeker: Seeker,
    coach: CoachCard,
    filters: Filters,
    now: datetime,
    text_scores: dict[int, float] | None = None,
) -> Match | None:
    """Score one coach for this seeker and these filters, with the reasons a person can
    follow; None if the coach is not to be offered."""
    facts = _facts(coach)
    if not offerable(seeker, coach) or not _admits(seeker, facts, filters):
        return None
    in_person = filters.region not in (None, REMOTE)
    relevance = 0.0
    if text_scores is not None:
        relevance = text_scores.get(coach.person_id, 0.0)
        if relevance == 0:
            return None
    reasons: list[str] = []
    wanted_areas = [filters.area] if filters.area else []
    query_words = _words(filters.text)
    wanted_areas += [area for area in coach.area_labels if _words(area) & query_words]
    shown_areas = list(dict.fromkeys(wanted_areas)) or coach.area_labels[:2]
    reasons.append(", ".join(shown_areas))

    wanted = [filters.kind] if filters.kind else list(seeker.coaching_kinds)
    kind = _kind_score(wanted, coach.coaching_kinds)
    if kind and not filters.kind:
        shared = [k for k in coach.coaching_kinds if k in wanted]
        reasons.append(" & ".join(CoachingKind(k).short_label.lower() for k in shared))

    hours = hours_apart(seeker.time_zone, coach.time_zone, now)
    place = _place_score(
        (_norm(seeker.state), _norm(seeker.city)), facts.state, facts.city, hours, in_person
    )
    if in_person or (seeker.state and _norm(seeker.state) == facts.state):
        same_city = bool(seeker.city) and _norm(seeker.city) == facts.city
        reasons.append("same city" if same_city else "same region")
    if hours is not None and not in_person:
        reasons.append(_hours_text(hours))

    responsiveness, said = _responsiveness(coach.answer_hours)
    if said:
        reasons.append(said)
    reasons.append("has room" if coach.room > 1 else "room for one more")
    score = 10 * relevance + kind + place + responsiveness
    return Match(coach=coach, score=score, reasons=tuple(reasons))
