"""Subcontractor payouts: statements of what each person is owed per period."""
