"""Work domain: work items on clients, their SOP checklists, evidence, QA and delivery."""
