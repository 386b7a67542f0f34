// chart.js, only the pieces the dashboard draws (bar charts), registered once.
// Loaded lazily by the statistics page so other pages stay small.

import { Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface Series {
  label: string;
  data: Array<number | null>;
  color: string;
}

/** A bar chart in `canvas`; returns it so the page can destroy it. */
export function barChart(
  canvas: HTMLCanvasElement,
  labels: string[],
  series: Series[],
  opts: { horizontal?: boolean; max?: number; stepSize?: number } = {},
): Chart {
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color, borderColor: s.color, borderWidth: 1 })),
    },
    options: {
      indexAxis: opts.horizontal ? 'y' : 'x',
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: series.length > 1, labels: { color: '#17324d', font: { size: 14 } } } },
      scales: {
        x: { ticks: { color: '#17324d', font: { size: 13 } }, ...(opts.horizontal ? { beginAtZero: true, max: opts.max } : {}) },
        y: {
          ticks: { color: '#17324d', font: { size: 13 }, stepSize: opts.stepSize },
          ...(opts.horizontal ? {} : { beginAtZero: true, max: opts.max }),
        },
      },
    },
  });
}
