// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("click", (event) => {
  const btn = event.target.closest("[data-confirm]");
  if (btn && !window.confirm(btn.dataset.confirm)) {
    event.preventDefault();
  }
});
document.addEventListener("click", (event) => {
  const btn = event.target.closest("[data-copy]");
  if (!btn) return;
  const target = document.querySelector(btn.dataset.copy);
  if (target && navigator.clipboard) {
    navigator.clipboard.writeText(target.textContent.trim());
    btn.textContent = "Copied";
  }
});
document.body.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('input[name="csrf_token"]');
  if (meta) event.detail.headers["X-CSRFToken"] = meta.value;
});
