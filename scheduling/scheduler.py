"""APScheduler in the bot's process: one job that runs the reminder pass each minute.

One scheduler per process, an explicit time zone, a stable job id, coalesced runs and
never two at once in a process; several processes may run it side by side, since the
run itself claims its work in the database.
"""

from __future__ import annotations

import logging
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from coaching import programs, removal
from scheduling.reminders import ReminderRun
from storage.clock import Clock

logger = logging.getLogger(__name__)

JOB_ID = "reminders"
RETENTION_JOB_ID = "retention"
INTERVAL_SECONDS = 60


def run_reminders(run: ReminderRun) -> None:
    report = run()
    if report.sent or report.failed or report.postponed:
        logger.info(
            "Reminders: %d sent, %d failed, %d postponed, %d skipped",
            report.sent,
            report.failed,
            report.postponed,
            report.skipped,
        )


def apply_retention(sessions: sessionmaker[Session], clock: Clock) -> None:
    """Each program's retention, as its coordinators set it (none: keep everything)."""
    with sessions.begin() as session:
        for team_id, settings in programs.all_settings(session).items():
            months = settings.retention_months
            if not months:
                continue
            removed = removal.apply_retention(session, team_id, clock(), months)
            if removed:
                logger.info("Retention: removed %d row(s) older than %d months", removed, months)


def start_scheduler(
    run: ReminderRun, interval_seconds: float = INTERVAL_SECONDS
) -> BackgroundScheduler:
    grace = max(1, round(interval_seconds))
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
    )
    scheduler.add_job(
        run_reminders,
        "interval",
        seconds=interval_seconds,
        id=JOB_ID,
        replace_existing=True,
        args=[run],
    )
    scheduler.add_job(
        apply_retention,
        "cron",
        hour=3,
        id=RETENTION_JOB_ID,
        replace_existing=True,
        args=[run.sessions, run.clock],
    )
    scheduler.start()
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler, run: ReminderRun) -> None:
    """Stop on SIGTERM: the pass under way sends the row in hand and hands the rest of
    its claims back (another process's next pass takes them); then the scheduler stops."""
    run.stop()
    scheduler.shutdown(wait=True)
