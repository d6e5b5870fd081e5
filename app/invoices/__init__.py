"""Invoices domain: exact money, gap-free numbers, branded PDFs, payments and reminders."""
