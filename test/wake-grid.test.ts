import { describe, expect, it } from "vitest";
import { chosenOnPool, type Grid, type GridRow, pooled } from "../bench/wake-grid.js";

const row = (
  threshold: number,
  steps: number,
  falseWakes: [number, number, number],
  missed: [number, number, number],
): GridRow => ({
  smooth: 1,
  threshold,
  steps,
  falseWakes,
  shortSayings: [0, 0, 0],
  missed,
  missedBy: { clean: [0, 0, 0], "babble 10 dB": missed },
});

const grid = (split: string, hours: number, rows: GridRow[]): Grid => ({
  split,
  model: "four.json",
  hours,
  trials: 162,
  shortSayings: 150,
  rows,
});

describe("bench:wake --pool: a setting chosen on several splits together", () => {
  const a = grid("held-out", 1, [row(0.9, 5, [3, 3, 0], [1, 1, 1]), row(0.99, 5, [0, 0, 0], [9, 9, 12])]);
  const b = grid("held-out-2", 2, [row(0.9, 5, [1, 1, 1], [0, 0, 0]), row(0.99, 5, [0, 1, 2], [3, 3, 3])]);

  it("sums each setting's false wakes and misses over the splits, each the mean of the three phases", () => {
    const [loose, strict] = pooled([a, b]);
    expect(loose).toMatchObject({ hours: 3, falseWakes: 3, trials: 324, missed: 1 });
    expect(loose?.falseWakesPerHour).toBeCloseTo(1);
    expect(strict).toMatchObject({ falseWakes: 1, missed: 13 });
    expect(strict?.bySplit).toEqual([
      { split: "held-out", falseWakes: 0, missed: 10 },
      { split: "held-out-2", falseWakes: 1, missed: 3 },
    ]);
  });

  it("takes the fewest misses among the settings within the false wakes allowed, and none if none is", () => {
    const settings = pooled([a, b]);
    expect(chosenOnPool(settings, 0.5)).toMatchObject({ threshold: 0.99, steps: 5 });
    expect(chosenOnPool(settings, 1)).toMatchObject({ threshold: 0.9, steps: 5 });
    expect(chosenOnPool(settings, 0.1)).toBeUndefined();
  });

  it("will not pool a split twice, or grids of different settings", () => {
    expect(() => pooled([a, a])).toThrow(/held-out is given twice/);
    const other = grid("held-out-3", 1, [row(0.95, 5, [0, 0, 0], [0, 0, 0])]);
    expect(() => pooled([a, other])).toThrow(/held-out-3's grid has no setting 1 0.9 5/);
  });
});
