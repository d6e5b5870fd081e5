"""Invoices: drafts, lines and their sources, gap-free numbers, issuing, credit notes, tax
rates, invoice settings and the month-end batch. The billing page and API blueprints are made
here (blueprint.py); payments, retainers, reminders and documents build on this package and
it never imports them (pyproject.toml, import-linter)."""
