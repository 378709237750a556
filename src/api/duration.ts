/**
 * Gateway API durations (`1h`, `30s`, `500ms`, `1m30s`), as the schema's `Duration` accepts them.
 * Consumers turn them into milliseconds with `durationToMs`, once, when they compile configuration.
 */
const unitMs: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const part = /([0-9]+)(ms|h|m|s)/gy;

/** Milliseconds of a duration, or undefined when the text is not a duration. */
export function durationToMs(text: string): number | undefined {
  if (text === '') return undefined;
  part.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let m = part.exec(text); m !== null; m = part.exec(text)) {
    const amount = m[1];
    const unit = m[2];
    if (amount === undefined || unit === undefined) return undefined;
    total += Number(amount) * (unitMs[unit] ?? Number.NaN);
    end = part.lastIndex;
  }
  return end === text.length && Number.isFinite(total) ? total : undefined;
}
