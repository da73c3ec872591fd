/**
 * The sizes past which the loader refuses a roster instead of reading it, all in one place so that the
 * README and the messages state the same numbers. Each is above what one stack can declare (its
 * template's 1 MB holds about 15,000 roster users), and a roster of 10,000 agents in pretty-printed CLI
 * skeletons, saved as UTF-16, takes about 7 MiB.
 */

/** The largest roster file read, in bytes. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** The most entries (or CSV rows) a file may hold, and the most a whole roster may hold. */
export const MAX_ENTRIES = 25_000;

/**
 * How often a YAML file may reuse an anchored value through aliases (`*name`), counting nested reuse
 * multiplied out. It keeps an alias bomb ("billion laughs") from expanding, while a roster that gives
 * every entry `InstanceId: *instance` stays well inside it.
 */
export const MAX_YAML_ALIAS_EXPANSION = MAX_ENTRIES;

/** A size in bytes as a message shows it: `8 MiB`, `12.5 MiB`, `640 KiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}

/** A count as a message shows it: `10,000`. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}
