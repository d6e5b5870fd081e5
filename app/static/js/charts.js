// Draws the bar charts whose data sits in data-labels / data-values attributes. On a right
// to left page (Arabic) the first bar is on the right and the value axis on the right too,
// so a chart reads the way the page does. Numbers follow the reader's locale with the server's
// numbering system (<html data-locale="ar-EG-u-nu-arab">), so an axis writes the digits the
// page's text does.
const rtl = document.documentElement.dir === "rtl";
const lang = document.documentElement.dataset.locale || document.documentElement.lang || "en";
// Chart.js writes a zero tick as a literal "0": every tick goes through Intl instead.
const numbers = new Intl.NumberFormat(lang);
document.querySelectorAll("canvas[data-labels]").forEach((canvas) => {
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: JSON.parse(canvas.dataset.labels),
      datasets: [{ data: JSON.parse(canvas.dataset.values), backgroundColor: "#6366f1", borderRadius: 6 }],
    },
    options: {
      locale: lang,
      plugins: { legend: { display: false, rtl }, tooltip: { rtl, textDirection: rtl ? "rtl" : "ltr" } },
      scales: {
        x: { reverse: rtl },
        y: {
          beginAtZero: true,
          position: rtl ? "right" : "left",
          ticks: { precision: 0, callback: (value) => numbers.format(value) },
        },
      },
    },
  });
});
