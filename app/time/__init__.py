"""Time: time entries and the running timer (issue #12, first slice)."""
