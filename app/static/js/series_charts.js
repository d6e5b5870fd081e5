// Charts of money per month with several series, from the canvas's data-series-chart JSON
// ({labels, currency, series: [{key, label, values}]}): the margin page (billed and cost as
// bars, margin as a line) and the forecast (payments received, cash expected, revenue).
// Right to left pages read the months from the right; numbers follow the reader's locale
// (see charts.js). A null value leaves a gap.
(function () {
  const LINES = new Set(["margin", "revenue"]);
  const COLOURS = {
    billed: "#6366f1", cost: "#f59e0b", margin: "#10b981",
    received: "#6366f1", cash: "#0ea5e9", revenue: "#10b981",
  };
  document.querySelectorAll("canvas[data-series-chart]").forEach((canvas) => {
    if (typeof Chart === "undefined") return;
    const rtl = document.documentElement.dir === "rtl";
    const lang = document.documentElement.dataset.locale || document.documentElement.lang || "en";
    const data = JSON.parse(canvas.dataset.seriesChart);
    const numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
    new Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: data.series.map((s) => ({
          type: LINES.has(s.key) ? "line" : "bar",
          label: s.label,
          data: s.values,
          backgroundColor: COLOURS[s.key],
          borderColor: COLOURS[s.key],
          borderRadius: LINES.has(s.key) ? 0 : 4,
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
  });
})();
