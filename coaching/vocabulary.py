"""The program's fixed lists: areas of expertise, cadences, ways to meet, kinds of coaching."""

from __future__ import annotations

from enum import StrEnum


class Expertise(StrEnum):
    FINANCE = "Finance"
    POLICE = "Police"
    FIRE_EMS = "Fire/EMS"
    PUBLIC_WORKS = "Public Works"
    HUMAN_RESOURCES = "Human Resources"
    MANAGEMENT = "Management"
    IT = "IT"
    ECONOMIC_DEVELOPMENT = "Economic Development"
    ENGINEERING = "Engineering"
    COMMUNITY_ENGAGEMENT = "Democratic Advocacy/Community Engagement"
    COUNCIL_MANAGER_RELATIONS = "Council-Manager Relations"
    EXECUTIVE_STAFF_RELATIONS = "Executive Staff Relations/Teamwork"
    REFUSE_RECYCLING = "Refuse/Recycling"
    OUTSOURCING = "Outsourcing of Municipal Services"
    INTERGOVERNMENTAL_COOPERATION = "Intergovernmental Cooperation"
    PERFORMANCE_MEASUREMENT = "Performance Measurement"
    STRATEGIC_PLANNING = "Strategic Planning"
    WORK_LIFE_BALANCE = "Work/Life Balance"
    OTHER = "Other"


class Frequency(StrEnum):
    MONTHLY = "monthly"
    EVERY_OTHER_MONTH = "every_other_month"
    QUARTERLY = "quarterly"
    SEMI_ANNUALLY = "semi_annually"

    @property
    def label(self) -> str:
        return _FREQUENCY_LABELS[self]

    @property
    def months(self) -> int:
        return _FREQUENCY_MONTHS[self]


_FREQUENCY_LABELS = {
    Frequency.MONTHLY: "Monthly",
    Frequency.EVERY_OTHER_MONTH: "Every other month",
    Frequency.QUARTERLY: "Quarterly",
    Frequency.SEMI_ANNUALLY: "Twice a year",
}
_FREQUENCY_MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.EVERY_OTHER_MONTH: 2,
    Frequency.QUARTERLY: 3,
    Frequency.SEMI_ANNUALLY: 6,
}


class MeetingForm(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return {
            "in_person": "In person",
            "phone": "Phone",
            "video": "Video call",
            "email": "E-mail",
        }[self.value]


class CoachingKind(StrEnum):
    CAREER = "career"
    SITUATION = "situation"
    POLITICAL = "political"

    @property
    def label(self) -> str:
        return {
            "career": "Career advancement",
            "situation": "A difficult work situation or conflict",
            "political": "Political guidance (elected officials, stakeholders)",
        }[self.value]

    @property
    def short_label(self) -> str:
        return {"career": "Career", "situation": "Work situation", "political": "Political"}[
            self.value
        ]
