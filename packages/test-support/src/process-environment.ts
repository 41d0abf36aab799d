/**
 * What a running process's environment holds, from its block as Linux shows it (/proc/<pid>/environ:
 * `NAME=value` entries, each ended by a NUL).
 */

/**
 * The value of `name` in the environment block `block`, or undefined. glibc (2.36, Debian bookworm)
 * parses GLIBC_TUNABLES in place as the process starts, leaving a NUL for each of its colons: its
 * tunables after the first are the entries that follow it (each a `glibc.` name), read back here.
 */
export function environmentValue(block: string, name: string): string | undefined {
  const entries = block.split('\0');
  const at = entries.findIndex((entry) => entry.startsWith(`${name}=`));
  if (at < 0) return undefined;
  const parts = [entries[at]?.slice(name.length + 1) ?? ''];
  if (name === 'GLIBC_TUNABLES') {
    for (const entry of entries.slice(at + 1)) {
      if (!entry.startsWith('glibc.')) break;
      parts.push(entry);
    }
  }
  return parts.join(':');
}
