/**
 * Line charts as hand-written SVG for the benchmarks' reports: a few lines of markup a reviewer can diff,
 * with no charting library, fonts or scripts to load.
 */

export interface Tick {
  /** Where, in the axis's own units. */
  readonly at: number;
  readonly label: string;
}

export interface Axis {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly Tick[];
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A point called out on a line: a ring and a label beside it. */
export interface Mark extends Point {
  readonly label: string;
}

export interface Series {
  readonly name: string;
  readonly points: readonly Point[];
  readonly dashed?: boolean;
  /** A dot on every point: for a few measured points, not a swept curve. */
  readonly dots?: boolean;
  readonly marks?: readonly Mark[];
}

export interface Chart {
  readonly title: string;
  readonly x: Axis;
  readonly y: Axis;
  readonly series: readonly Series[];
  /** A line under the x axis's label, e.g. what was pooled. */
  readonly note?: string;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"];
const HEIGHT = 360;
/** Roughly how wide a character of the legend's 11-pixel type is, to leave the legend room. */
const CHARACTER_WIDTH = 6.5;
/** The plotting area; the legend sits to its right, so it never covers a line. */
const AREA = { left: 70, right: 500, top: 36, bottom: HEIGHT - 70 };

/** The chart as an SVG document. */
export function lineChart(chart: Chart): string {
  const { x: xAxis, y: yAxis } = chart;
  const longest = Math.max(0, ...chart.series.map((series) => series.name.length));
  const width = Math.round(AREA.right + 54 + longest * CHARACTER_WIDTH);
  const x = (value: number) =>
    AREA.left + ((value - xAxis.min) / (xAxis.max - xAxis.min || 1)) * (AREA.right - AREA.left);
  const y = (value: number) =>
    AREA.bottom - ((value - yAxis.min) / (yAxis.max - yAxis.min || 1)) * (AREA.bottom - AREA.top);
  const at = (point: Point) => `${x(point.x).toFixed(1)},${y(point.y).toFixed(1)}`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" font-family="sans-serif">`,
    '<rect width="100%" height="100%" fill="white"/>',
    text(width / 2, 20, chart.title, { size: 14 }),
  ];
  for (const tick of yAxis.ticks) {
    parts.push(
      `<line x1="${AREA.left}" x2="${AREA.right}" y1="${y(tick.at)}" y2="${y(tick.at)}" stroke="#ddd"/>`,
      text(AREA.left - 6, y(tick.at) + 4, tick.label, { anchor: "end" }),
    );
  }
  for (const tick of xAxis.ticks) {
    parts.push(
      `<line x1="${x(tick.at)}" x2="${x(tick.at)}" y1="${AREA.top}" y2="${AREA.bottom}" stroke="#eee"/>`,
      text(x(tick.at), AREA.bottom + 16, tick.label),
    );
  }
  parts.push(
    `<rect x="${AREA.left}" y="${AREA.top}" width="${AREA.right - AREA.left}" height="${AREA.bottom - AREA.top}" fill="none" stroke="#999"/>`,
    text((AREA.left + AREA.right) / 2, AREA.bottom + 36, xAxis.label, { size: 12 }),
    `<text transform="translate(18 ${(AREA.top + AREA.bottom) / 2}) rotate(-90)" font-size="12" text-anchor="middle">${escapeText(yAxis.label)}</text>`,
  );
  if (chart.note) parts.push(text((AREA.left + AREA.right) / 2, AREA.bottom + 54, chart.note, { size: 10 }));
  for (const [index, series] of chart.series.entries()) {
    const color = COLORS[index % COLORS.length] as string;
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : "";
    if (series.points.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${series.points.map(at).join(" ")}"/>`,
      );
    for (const point of series.dots || series.points.length === 1 ? series.points : [])
      parts.push(`<circle cx="${x(point.x)}" cy="${y(point.y)}" r="3" fill="${color}"/>`);
    for (const mark of series.marks ?? []) {
      parts.push(
        `<circle cx="${x(mark.x).toFixed(1)}" cy="${y(mark.y).toFixed(1)}" r="5" fill="white" stroke="${color}" stroke-width="2"/>`,
        text(x(mark.x) + 8, y(mark.y) - 8, mark.label, { anchor: "start", color }),
      );
    }
    // The legend: a short stroke of the line's colour and dash, then its name.
    const legendY = AREA.top + 8 + index * 20;
    parts.push(
      `<line x1="${AREA.right + 14}" x2="${AREA.right + 38}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"${dash}/>`,
      text(AREA.right + 44, legendY + 4, series.name, { anchor: "start", color }),
    );
  }
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** Ticks at 0%, step%, ... up to max (a share, 0 to 1). */
export function percentTicks(max: number, step = 0.25): Tick[] {
  const ticks: Tick[] = [];
  for (let at = 0; at <= max + 1e-9; at += step) ticks.push({ at, label: `${Math.round(at * 100)}%` });
  return ticks;
}

function text(
  x: number,
  y: number,
  content: string,
  style: { size?: number; anchor?: "start" | "middle" | "end"; color?: string } = {},
): string {
  const fill = style.color ? ` fill="${style.color}"` : "";
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${style.size ?? 11}" text-anchor="${style.anchor ?? "middle"}"${fill}>${escapeText(content)}</text>`;
}

function escapeText(content: string): string {
  return content.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
