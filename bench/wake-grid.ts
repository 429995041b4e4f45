/**
 * `bench:wake --grid`'s figures as data: what a model's scores of one split would do at every setting,
 * written with `--grid-out`, and read back with `--pool` to choose a setting on several splits together.
 */

/** Counts at each of the three phases listen may score at. */
export type ByPhase = readonly [number, number, number];

/** One setting's figures on one split. */
export interface GridRow {
  readonly smooth: number;
  readonly threshold: number;
  readonly steps: number;
  /** False wakes in the split's other talk. */
  readonly falseWakes: ByPhase;
  /** Short sayings that woke it. */
  readonly shortSayings: ByPhase;
  /** Trials whose word it missed, in all and by condition (clean, pink 10 dB, babble 10 dB). */
  readonly missed: ByPhase;
  readonly missedBy: Readonly<Record<string, ByPhase>>;
}

/** One model's grid on one split. */
export interface Grid {
  readonly split: string;
  readonly model: string;
  /** Hours of other talk. */
  readonly hours: number;
  readonly trials: number;
  readonly shortSayings: number;
  readonly rows: readonly GridRow[];
}

/** A setting's figures over several splits, each the mean of the three phases. */
export interface Pooled {
  readonly smooth: number;
  readonly threshold: number;
  readonly steps: number;
  readonly hours: number;
  readonly falseWakes: number;
  readonly falseWakesPerHour: number;
  readonly trials: number;
  readonly missed: number;
  readonly shortSayings: number;
  /** Each split's mean false wakes and misses at this setting. */
  readonly bySplit: readonly { split: string; falseWakes: number; missed: number }[];
}

/** A count's mean over the three phases: what a setting is judged by. */
export const meanOfPhases = (counts: ByPhase) => (counts[0] + counts[1] + counts[2]) / 3;
const keyOf = ({ smooth, threshold, steps }: Pick<GridRow, "smooth" | "threshold" | "steps">) =>
  `${smooth} ${threshold} ${steps}`;

/**
 * One model's grids pooled: every setting's false wakes and misses summed over the splits (means of the
 * phases). A split given twice, or a setting missing from one grid, is an error: the pool would not be what
 * it says.
 */
export function pooled(grids: readonly Grid[]): Pooled[] {
  const splits = grids.map(({ split }) => split);
  const twice = splits.find((split, index) => splits.indexOf(split) !== index);
  if (twice) throw new Error(`${twice} is given twice; pool each split once`);
  const first = grids[0];
  if (!first) return [];
  return first.rows.map((row) => {
    const rows = grids.map((grid) => {
      const found = grid.rows.find((other) => keyOf(other) === keyOf(row));
      if (!found) throw new Error(`${grid.split}'s grid has no setting ${keyOf(row)}; run its grid again`);
      return { grid, row: found };
    });
    const hours = grids.reduce((sum, grid) => sum + grid.hours, 0);
    const falseWakes = rows.reduce((sum, { row }) => sum + meanOfPhases(row.falseWakes), 0);
    return {
      smooth: row.smooth,
      threshold: row.threshold,
      steps: row.steps,
      hours,
      falseWakes,
      falseWakesPerHour: falseWakes / hours,
      trials: grids.reduce((sum, grid) => sum + grid.trials, 0),
      missed: rows.reduce((sum, { row }) => sum + meanOfPhases(row.missed), 0),
      shortSayings: rows.reduce((sum, { row }) => sum + meanOfPhases(row.shortSayings), 0),
      bySplit: rows.map(({ grid, row }) => ({
        split: grid.split,
        falseWakes: meanOfPhases(row.falseWakes),
        missed: meanOfPhases(row.missed),
      })),
    };
  });
}

/**
 * The setting chosen on pooled splits: of those waking falsely at most `perHour` times an hour, the one
 * that missed fewest (then fewer false wakes, then no smoothing before smoothing, the shorter run, the lower
 * threshold); undefined if none wakes so seldom.
 */
export function chosenOnPool(settings: readonly Pooled[], perHour: number): Pooled | undefined {
  return settings
    .filter((setting) => setting.falseWakesPerHour <= perHour + 1e-9)
    .sort(
      (a, b) =>
        a.missed - b.missed ||
        a.falseWakes - b.falseWakes ||
        a.smooth - b.smooth ||
        a.steps - b.steps ||
        a.threshold - b.threshold,
    )[0];
}
