"""What the bot says in a coordinator's DM about a roster file they sent: a refusal, why a
file could not be imported, the progress of a large file, and the report."""

from __future__ import annotations

import csv
import io

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from coaching.roster import RosterReport, RowProblem, Unimported, Unread
from handlers.views.text import counted, mrkdwn, truncate

Message = tuple[str, list[dict]]
SHOWN_PROBLEMS = 20
"""Problems listed in the message; a report with more comes with a file of all of them."""
_SECTION = 3000

NOT_A_COORDINATOR = (
    "Thanks for the file. Only the program's coordinators can import a roster, so I have "
    "not read it and nothing was changed. If it was meant for a coordinator, please send "
    "it to them."
)
ONE_FILE = (
    "Please send the roster as one CSV file per message; I have not imported anything "
    "from this one."
)


def not_imported(file_name: str, reason: str) -> str:
    """The file as a whole could not be used; nothing was saved."""
    return (
        f"I could not import *{mrkdwn(file_name, 200)}*: {mrkdwn(reason, 2500)}. "
        "Nothing was changed."
    )


def interrupted(file_name: str, reason: str) -> str:
    """The database failed part-way; the batches before are saved."""
    return f"The import of *{mrkdwn(file_name, 200)}* stopped: {mrkdwn(reason, 2500)}."


def unimported(answer: Unimported) -> str:
    """Why the file sent was not imported (or not whole)."""
    match answer.why:
        case Unread.ONE_FILE:
            return ONE_FILE
        case Unread.NOT_A_ROSTER:
            return not_imported(answer.file_name, answer.reason)
        case Unread.INTERRUPTED:
            return interrupted(answer.file_name, answer.reason)


def progress(file_name: str, done: int, total: int) -> str:
    name = mrkdwn(file_name, 200)
    if done >= total:
        return f"Imported all {total:,} rows of *{name}*; the report follows."
    return (
        f"Importing *{name}*: {done:,} of {total:,} rows done. A large file takes a while; "
        "the report will arrive here."
    )


def _figures(report: RosterReport) -> str:
    result = report.result
    return (
        f"{counted(result.rows, 'row')}: {result.created:,} new, {result.updated:,} updated, "
        f"{result.unchanged:,} unchanged, {len(result.problems):,} with problems"
    )


def _notes(report: RosterReport) -> list[str]:
    result, notes = report.result, []
    if result.not_in_slack:
        notes.append(
            f"{counted(result.not_in_slack, 'coach', 'coaches')} not in Slack yet: each is "
            "linked when they first use the bot with the address on the roster."
        )
    if (unconfirmed := result.unconfirmed_note()) is not None:
        notes.append(mrkdwn(unconfirmed[0].upper() + unconfirmed[1:], 2900) + ".")
    if report.lookup_failures:
        why = f" ({mrkdwn('; '.join(report.lookup_reasons), 600)})" if report.lookup_reasons else ""
        notes.append(
            f"{counted(report.lookup_failures, 'coach', 'coaches')} could not be looked up in "
            f"Slack just now{why}; send the file again later to link them."
        )
    return notes


def _problem_line(problem: RowProblem) -> str:
    return f"• Line {problem.line}: {mrkdwn(problem.reason, 600)}"


def _sections(lines: list[str]) -> list[Block]:
    """Lines packed into as few sections as Slack's 3,000 characters allow."""
    sections: list[Block] = []
    chunk = ""
    for line in lines:
        if chunk and len(chunk) + 1 + len(line) > _SECTION:
            sections.append(SectionBlock(text=chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        sections.append(SectionBlock(text=chunk))
    return sections


def report(report: RosterReport) -> Message:
    """The report as a message: the figures, what to know, and each bad row by line."""
    result = report.result
    heading = f"Roster *{mrkdwn(report.file_name, 200)}* imported. {_figures(report)}."
    blocks: list[Block] = [SectionBlock(text=heading)]
    blocks += [ContextBlock(elements=[MarkdownTextObject(text=note)]) for note in _notes(report)]
    problems = sorted(result.problems, key=lambda problem: problem.line)
    if problems:
        blocks.append(
            SectionBlock(
                text="*Rows not imported* (fix them and send the whole file again; rows "
                "already imported are left as they are):"
            )
        )
        blocks += _sections([_problem_line(problem) for problem in problems[:SHOWN_PROBLEMS]])
        if len(problems) > SHOWN_PROBLEMS:
            blocks.append(
                SectionBlock(text=f"…and {len(problems) - SHOWN_PROBLEMS:,} more, in the file.")
            )
    else:
        blocks.append(SectionBlock(text="Every row was imported."))
    fallback = f"Roster {mrkdwn(report.file_name, 200)} imported. {_figures(report)}."
    return truncate(fallback, 3000), [block.to_dict() for block in blocks]


def report_comment(report: RosterReport) -> str:
    """The report as a file's comment, for a report with more problems than a message
    lists: the figures, what to know, and the first problems."""
    problems = sorted(report.result.problems, key=lambda problem: problem.line)
    lines = [
        f"Roster *{mrkdwn(report.file_name, 200)}* imported. {_figures(report)}.",
        *_notes(report),
        f"The {len(problems):,} rows not imported are all in the attached file; the first:",
        *(_problem_line(problem) for problem in problems[:SHOWN_PROBLEMS]),
    ]
    return "\n".join(lines)


def problems_file_name(file_name: str) -> str:
    stem = file_name.rsplit(".", 1)[0] or "roster"
    return f"{stem[:80]}-problems.csv"


def problems_csv(report: RosterReport) -> str:
    """Every bad row: its line in the file and what is wrong with it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["line", "problem"])
    for problem in sorted(report.result.problems, key=lambda problem: problem.line):
        writer.writerow([problem.line, problem.reason])
    return out.getvalue()
