// Draws the bar charts whose data sits in data-labels / data-values attributes.
document.querySelectorAll("canvas[data-labels]").forEach((canvas) => {
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: JSON.parse(canvas.dataset.labels),
      datasets: [{ data: JSON.parse(canvas.dataset.values), backgroundColor: "#6366f1", borderRadius: 6 }],
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
});
