/**
 * RFC 5952 §4 text for eight IPv6 groups: lower-case hex without leading zeros, the
 * longest run of two or more zero groups shortened to `::` (the first run on a tie).
 * Shared by the packet decoder and the protocol-choice parser, so both print the same.
 */
export function ipv6GroupsText(g: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: readonly number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}
