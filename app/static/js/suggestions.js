// Suggested VAs: "Choose" selects the VA in the form the list stands beside (the list's
// data-suggest-for names the select); without JavaScript the link opens the form instead.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-suggest-pick]");
  const panel = link && link.closest("[data-suggest-for]");
  const select = panel && document.getElementById(panel.dataset.suggestFor);
  if (!select) return;
  const value = link.dataset.suggestPick;
  if (![...select.options].some((option) => option.value === value)) return;
  event.preventDefault();
  select.value = value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
  select.focus();
});
