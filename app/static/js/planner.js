/* The week planner: drag a work item onto a half-hour slot to plan a block, or a block to
   move it. Dragging only fills the page's own forms (plan a block / move or resize) and
   sends them, so the server checks everything and the page works the same without script. */
(function () {
  'use strict';
  var root = document.querySelector('[data-planner]');
  if (!root) { return; }
  var OVER = 'bg-primary-subtle';
  var dragging = null;

  function formFor(kind, id) {
    if (kind === 'item') {
      var plan = document.getElementById('plan-form');
      if (plan) { plan.elements.work_item_id.value = id; }
      return plan;
    }
    return document.getElementById('move-' + id);
  }

  root.querySelectorAll('[data-item-id], [data-block-id]').forEach(function (el) {
    el.addEventListener('dragstart', function (ev) {
      dragging = el.dataset.itemId ? ['item', el.dataset.itemId] : ['block', el.dataset.blockId];
      ev.dataTransfer.effectAllowed = 'move';
      ev.dataTransfer.setData('text/plain', dragging.join(':'));
      ev.stopPropagation();
    });
    el.addEventListener('dragend', function () {
      dragging = null;
      root.querySelectorAll('.' + OVER).forEach(function (s) { s.classList.remove(OVER); });
    });
  });

  root.querySelectorAll('[data-drop-day]').forEach(function (slot) {
    slot.addEventListener('dragover', function (ev) {
      if (!dragging) { return; }
      ev.preventDefault();
      slot.classList.add(OVER);
    });
    slot.addEventListener('dragleave', function () { slot.classList.remove(OVER); });
    slot.addEventListener('drop', function (ev) {
      ev.preventDefault();
      slot.classList.remove(OVER);
      var what = dragging || (ev.dataTransfer.getData('text/plain') || '').split(':');
      if (what.length !== 2) { return; }
      var form = formFor(what[0], what[1]);
      if (!form) { return; }
      form.elements.day.value = slot.dataset.dropDay;
      form.elements.start.value = slot.dataset.dropStart;
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
  });
}());
