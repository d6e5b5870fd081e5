// Work item page: htmx swaps refusals (409) and bad input (422) into the checklist row too,
// so the message shows where the action was taken instead of being dropped.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status === 409 || status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
