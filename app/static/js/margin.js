// The margin page's chart: billed, cost (bars) and margin (a line) of the last twelve months
// in the base currency, from the canvas's data-margin-chart JSON. Right to left pages read
// the months from the right; numbers follow the reader's locale (see charts.js).
(function () {
  const canvas = document.querySelector("canvas[data-margin-chart]");
  if (!canvas || typeof Chart === "undefined") return;
  const rtl = document.documentElement.dir === "rtl";
  const lang = document.documentElement.dataset.locale || document.documentElement.lang || "en";
  const data = JSON.parse(canvas.dataset.marginChart);
  const numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  const colours = { billed: "#6366f1", cost: "#f59e0b", margin: "#10b981" };
  new Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: data.series.map((s) => ({
        type: s.key === "margin" ? "line" : "bar",
        label: s.label,
        data: s.values,
        backgroundColor: colours[s.key],
        borderColor: colours[s.key],
        borderRadius: s.key === "margin" ? 0 : 4,
        spanGaps: false,
      })),
    },
    options: {
      locale: lang,
      plugins: {
        legend: { rtl },
        tooltip: {
          rtl,
          textDirection: rtl ? "rtl" : "ltr",
          callbacks: { label: (ctx) => `${ctx.dataset.label}: ${numbers.format(ctx.parsed.y)} ${data.currency}` },
        },
      },
      scales: {
        x: { reverse: rtl },
        y: { position: rtl ? "right" : "left", ticks: { callback: (value) => numbers.format(value) } },
      },
    },
  });
})();
