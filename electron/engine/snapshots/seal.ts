/**
 * The seal: a SHA-256 per item (meta, each host, each service, the rules, each evidence
 * source), and one SHA-256 over the canonical form of that list. The top hash covers
 * every item through its hash, so `verify` can say which item changed: an item whose
 * content no longer matches its listed hash was edited; a list that no longer matches
 * the top hash means the seal itself was edited.
 *
 * The chain: each snapshot's meta holds the previous snapshot's seal (`prevSha256`), so
 * editing or recomputing one stored snapshot breaks the link from the next one.
 */
import { canonicalJson, hashOf } from './canonical';
import { CANONICALIZATION, SEAL_ALGORITHM, serviceKey, type Seal, type SealedSnapshot, type SealItems, type SnapshotContent, type SnapshotSources } from './types';

export function allSources(s: SnapshotSources): Array<{ id: string }> {
  return [...s.captures, ...s.scans, ...s.imports];
}

export function itemsOf(c: SnapshotContent): SealItems {
  const hosts: Record<string, string> = {};
  for (const h of c.hosts) hosts[h.address] = hashOf(h);
  const services: Record<string, string> = {};
  for (const s of c.services) services[serviceKey(s)] = hashOf(s);
  const sources: Record<string, string> = {};
  for (const s of allSources(c.sources)) sources[s.id] = hashOf(s);
  return { meta: hashOf(c.meta), hosts, services, rules: hashOf(c.rules), sources };
}

export function rootOf(items: unknown): string {
  return hashOf({ algorithm: SEAL_ALGORITHM, canonicalization: CANONICALIZATION, items });
}

export function sealContent(content: SnapshotContent): SealedSnapshot {
  const items = itemsOf(content);
  const seal: Seal = { algorithm: SEAL_ALGORITHM, canonicalization: CANONICALIZATION, items, sha256: rootOf(items) };
  return { snapshot: content, seal };
}

/** The sealed document's canonical text: what the database stores and `export --format json` writes. */
export function sealedText(doc: SealedSnapshot): string {
  return canonicalJson(doc);
}
