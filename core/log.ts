/**
 * Structured, one-line JSON logs. Callers pass only facts that are safe to keep: request type, logical
 * ID, user and instance IDs, field names, counts and timings. Never an identity value, never the
 * event, never the ResponseURL.
 */
export type LogFields = Record<string, string | number | boolean | readonly string[] | undefined>;

/** Writes one log line at the given level. */
export function log(level: 'info' | 'warn' | 'error', message: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'info') console.log(line);
  else console.error(line);
}
