/**
 * PocketSphinx's confidence in a reading. A grammar or domain-model decoder always turns speech into the
 * skill's words, and the mixed decoder leans on them, so the open language model's decoding of the same
 * audio is the yardstick: a reading's fit is its decoder's path score per 10 ms frame relative to the open
 * one's. Speech a decoder was made for fits it about as well as open English does, or better; speech
 * outside it fits much worse. The fit becomes a confidence from 0 to 1 through a logistic curve per source,
 * calibrated on noisy speech (npm run calibrate:voice), for the decision policy (decision.ts) to weigh.
 */
interface Calibration {
  /** The fit at which the confidence is one half. */
  readonly center: number;
  /** How many fit units take the confidence from one half to about three quarters. */
  readonly width: number;
}

/** The sources whose confidences are calibrated here: PocketSphinx's readings, whose fits are per frame of speech. */
export const CALIBRATED_SOURCES = ["open", "domain"] as const;
export type CalibratedSource = (typeof CALIBRATED_SOURCES)[number];
export type Calibrations = Readonly<Record<CalibratedSource, Calibration>>;

/** Per source. */
export const CALIBRATION: Calibrations = {
  open: { center: -14, width: 8 },
  domain: { center: -9, width: 8 },
};

/** The logistic curve of a source's calibration: fit in, confidence out. */
function curve(source: CalibratedSource, calibrations: Calibrations): { center: number; scale: number } {
  const { center, width } = calibrations[source];
  return { center, scale: width / Math.log(3) };
}

/** A fit as a confidence, for a reading from `source` (under `calibrations`, the project's by default). */
export function confidenceOf(
  source: CalibratedSource,
  fit: number,
  calibrations: Calibrations = CALIBRATION,
): number {
  const { center, scale } = curve(source, calibrations);
  return 1 / (1 + Math.exp(-(fit - center) / scale));
}

/** The fit a confidence came from: confidenceOf undone, for re-calibrating recorded readings. */
export function fitOf(
  source: CalibratedSource,
  confidence: number,
  calibrations: Calibrations = CALIBRATION,
): number {
  const { center, scale } = curve(source, calibrations);
  const clamped = Math.min(1 - 1e-12, Math.max(1e-12, confidence));
  return center + scale * Math.log(clamped / (1 - clamped));
}
