/** Command-line options shared by the benchmarks. */

/** `value` of option `--name` as an integer in [min, max]; anything else stops the bench with a clear error. */
export function integerOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}
