/** Human file sizes: 18 B, 2.0 KB, 3.4 MB. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Comma/semicolon/space-separated addresses -> a clean list. */
export function addressList(input: string): string[] {
  return input.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean);
}
