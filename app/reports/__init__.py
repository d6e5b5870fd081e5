"""Reports over recorded time: the time report (filters, grouping, totals, chart, JSON and a
streamed CSV for accountants) and estimates against actual time (per SOP version, per VA)."""
