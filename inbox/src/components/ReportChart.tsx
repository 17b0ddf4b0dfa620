// One chart of a report, drawn by Chart.js on a canvas, with its text alternative: a one-line summary (the
// canvas's accessible name) and the data as a table, which screen readers and tests read.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

// Only what the team view draws: bars and lines on category and linear axes (tree-shaken by Vite).
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface Series {
  label: string;
  data: (number | null)[];
  color: string;
  kind?: "bar" | "line";
}

export function ReportChart({
  id,
  title,
  summary,
  labels,
  series,
  stacked = false,
  yTitle,
  yPrecision = 0,
  empty,
  csv,
  children,
}: {
  id: string;
  title: string;
  summary: string;
  labels: string[];
  series: Series[];
  stacked?: boolean;
  yTitle?: string;
  yPrecision?: number; // decimals of the y axis' steps: 0 for counts, more for dollars
  empty: boolean;
  csv: ComponentChildren;
  children: ComponentChildren;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const shape = JSON.stringify([labels, series, stacked]);
  useEffect(() => {
    if (empty || !canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: "bar",
      data: {
        labels,
        datasets: series.map((s) => ({
          type: s.kind ?? "bar",
          label: s.label,
          data: s.data,
          backgroundColor: s.color,
          borderColor: s.color,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { stacked },
          y: { stacked, beginAtZero: true, ticks: { precision: yPrecision }, title: { display: Boolean(yTitle), text: yTitle ?? "" } },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
    return () => chart.destroy();
  }, [shape, empty]);
  return (
    <figure class="chart" aria-labelledby={`${id}-title`}>
      <figcaption>
        <h3 id={`${id}-title`}>{title}</h3>
        <p class="chart-summary" id={`${id}-summary`}>
          {empty ? "No data in this range." : summary}
        </p>
        {csv}
      </figcaption>
      {!empty && (
        <div class="chart-canvas">
          <canvas ref={canvas} role="img" aria-label={`${title}: ${summary}`} />
        </div>
      )}
      {!empty && children}
    </figure>
  );
}
