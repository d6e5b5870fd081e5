"""Weekly timesheets: submit, approve or reject, reopen; the reminder to submit."""
