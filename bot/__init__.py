"""Sounding Board's entry point: settings, the Bolt app and its wiring (`python -m bot`)."""
