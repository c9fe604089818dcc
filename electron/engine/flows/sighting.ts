/** A flow table's listener inference as the inventory takes it (times µs → ms). */
import type { Sighting } from '../inventory/inventory';
import type { ListenerHit } from './types';

export function hitSighting(h: ListenerHit): Sighting {
  return {
    host: h.host,
    proto: h.proto,
    port: h.port,
    evidence: h.evidence,
    confidence: h.confidence,
    service: h.service,
    firstSeenMs: Math.floor(h.firstUs / 1000),
    lastSeenMs: Math.floor(h.lastUs / 1000),
    flows: h.flows,
    bytes: h.bytes,
  };
}
