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
// A form that came back with errors: its summary takes the focus (a screen reader reads it),
// and a link in it moves the focus to the field it names, not just the scroll position.
const errorSummary = document.querySelector("[data-error-summary]");
if (errorSummary) errorSummary.focus();
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-error-summary] a[href^='#']");
  const field = link && document.getElementById(link.getAttribute("href").slice(1));
  if (!field) return;
  event.preventDefault();
  field.focus();
  field.scrollIntoView({ block: "center" });
});
// A message about an input the form does not have (a script posted it) stays as text.
document.querySelectorAll("[data-error-summary] a[href^='#']").forEach((link) => {
  if (!document.getElementById(link.getAttribute("href").slice(1))) link.replaceWith(...link.childNodes);
});
// An input that stands for one choice of a list (a report's custom dates, its period list's
// "Custom dates") picks that choice when it is filled: data-choose="#list-id=value".
document.addEventListener("change", (event) => {
  const spec = event.target.dataset ? event.target.dataset.choose : null;
  if (!spec || !event.target.value) return;
  const [selector, value] = spec.split("=");
  const list = document.querySelector(selector);
  if (list) list.value = value;
});
