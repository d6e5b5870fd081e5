"""Work domain: work items on clients, their SOP checklists, evidence, QA and delivery.

The pages of one item (app.work.views, transition_views, checklist_views) share the
blueprint of app.work.blueprint; the read-only screens over many items (My work, the QA
queue, the board, All work, quality and dashboard figures) are app.boards.
"""
