// Invoice editor: let htmx swap in the page's answer to a refused form (422 with the
// messages beside the fields, 409 with the reason), as it does for a success.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status === 422 || status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
