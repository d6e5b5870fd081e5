"""Boards: the read-only screens over work: My work, QA queue, the board, all work, quality
figures, dashboard figures.

Nothing here changes a work item (that is app.work); every list starts from what the item
page would show its viewer (app.work.queries.visible_work_items). The pages keep the
blueprint name "screens", so their endpoints are screens.my_work, screens.qa_queue,
screens.board, screens.work_list and screens.quality.
"""
