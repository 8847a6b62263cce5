/** One JSON pointer segment (RFC 6901): `~` becomes `~0`, `/` becomes `~1`. */
export function escapeSegment(segment: string): string {
  // Most keys need no escaping: skip the two regex replacements for them.
  if (!segment.includes('~') && !segment.includes('/')) return segment;
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
