// Charts of money per month with several series, from the canvas's data-series-chart JSON
// ({labels, currency, series: [{key, label, values}]}), or fetched from its
// data-series-chart-url after the page (the margin page's twelve months): the margin page
// (billed and cost as bars, margin as a line) and the forecast (payments received, cash
// expected, revenue).
// Right to left pages read the months from the right; numbers follow the reader's locale
// (see charts.js). A null value leaves a gap.
(function () {
  const LINES = new Set(["margin", "revenue"]);
  const COLOURS = {
    billed: "#6366f1", cost: "#f59e0b", margin: "#10b981",
    received: "#6366f1", cash: "#0ea5e9", revenue: "#10b981",
    csat: "#6366f1", nps: "#10b981",
  };
  function draw(canvas, data) {
    if (typeof Chart === "undefined") return;
    const rtl = document.documentElement.dir === "rtl";
    const lang = document.documentElement.dataset.locale || document.documentElement.lang || "en";
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
  }
  document.querySelectorAll("canvas[data-series-chart]").forEach((canvas) => {
    draw(canvas, JSON.parse(canvas.dataset.seriesChart));
  });
  document.querySelectorAll("canvas[data-series-chart-url]").forEach((canvas) => {
    const loading = canvas.parentElement.querySelector("[data-chart-loading]");
    fetch(canvas.dataset.seriesChartUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        if (loading) loading.remove();
        draw(canvas, data);
        canvas.dataset.loaded = "true";
      })
      .catch(() => {
        if (loading) loading.textContent = canvas.dataset.chartFailed || loading.textContent;
      });
  });
})();
