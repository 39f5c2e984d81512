/** One measured figure next to its bound (docs/targets.md), as `npm run bench` reports it. */
export interface BenchRow {
  group: string;
  name: string;
  value: number;
  unit: string;
  /** The target from docs/targets.md. */
  bound: number;
  /** 'max': value must stay at or below the bound; 'min': at or above. */
  kind: 'max' | 'min';
  note?: string;
}

export function ratio(row: BenchRow): number {
  if (row.kind === 'max') return row.bound === 0 ? (row.value === 0 ? 0 : Infinity) : row.value / row.bound;
  return row.value === 0 ? Infinity : row.bound / row.value;
}

export function meets(row: BenchRow): boolean {
  return row.kind === 'max' ? row.value <= row.bound : row.value >= row.bound;
}

/** A fixed-width table: what, measured, bound, ratio (≤ 1 means within the target). */
export function formatTable(rows: BenchRow[]): string {
  const header = ['group', 'figure', 'measured', 'bound', 'ratio', 'ok'];
  const lines = rows.map((row) => [
    row.group,
    row.name,
    `${formatNumber(row.value)} ${row.unit}`,
    `${row.kind === 'max' ? '<=' : '>='} ${formatNumber(row.bound)} ${row.unit}`,
    Number.isFinite(ratio(row)) ? ratio(row).toFixed(2) : 'inf',
    meets(row) ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** Progress on long work, on stderr so the table stays clean. */
export function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}
