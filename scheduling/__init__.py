"""Reminders: the APScheduler set-up, cadence arithmetic and the run that sends what is due."""
