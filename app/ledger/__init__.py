"""Accountants' exports: invoices, credit notes, payments and approved time of a period in
the import formats of common accounting tools (a double-entry journal, Xero, QuickBooks)."""
