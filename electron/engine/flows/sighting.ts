/** A flow table's listener inference as the inventory takes it (times µs → ms). */
import type { Sighting } from '../inventory/inventory';
import type { ServiceMethod } from '../scan/banner';
import { portName } from '../scan/ports';
import { APP_PROTOCOLS } from '../../shared/capture';
import type { Proto } from '../../shared/model';
import type { ListenerHit } from './types';

export function hitSighting(h: ListenerHit): Sighting {
  const named = serviceName(h.proto, h.port, h.service);
  return {
    host: h.host,
    proto: h.proto,
    port: h.port,
    evidence: h.evidence,
    confidence: h.confidence,
    service: named.service,
    ...(named.service ? { serviceMethod: named.method } : {}),
    firstSeenMs: Math.floor(h.firstUs / 1000),
    lastSeenMs: Math.floor(h.lastUs / 1000),
    flows: h.flows,
    bytes: h.bytes,
  };
}

/**
 * A listener's service name: the payload's (`evidence`) when a detector named it, else the
 * port's usual name (`table`, as the scanner does), which a later payload or banner still
 * replaces (inventory chooseService). A bare "220" greeting (`ftp-or-smtp`) is ftp on 21
 * and smtp on 25 and 587, still as evidence (the scanner's rule, guessServiceMethod).
 */
export function serviceName(proto: Proto, port: number, fromPayload: string | null): { service: string | null; method: ServiceMethod } {
  if (fromPayload === 'ftp-or-smtp') {
    const byPort = proto !== 'tcp' ? null : port === 21 ? 'ftp' : port === 25 || port === 587 ? 'smtp' : null;
    return { service: byPort ?? fromPayload, method: 'evidence' };
  }
  if (fromPayload) return { service: fromPayload, method: 'evidence' };
  return { service: proto === 'tcp' ? portName(port) : udpPortName(port), method: 'table' };
}

/**
 * The usual name of a UDP port. The scanner's port table is a TCP list, and some of its
 * names are wrong for UDP (512-514/udp are biff, who and syslog, not exec, login and
 * shell), so it is only asked about the UDP ports the capture's protocol picker lists
 * (APP_PROTOCOLS: 53 domain, 161 snmp, 162 snmptrap, 389 ldap, 5060 sip …), falling back
 * to the picker's own id (123 ntp). NetBIOS (137, 138) is left to the payload: the
 * picker's `smb` is not their name.
 */
const UDP_NAMES: ReadonlyMap<number, string> = (() => {
  const out = new Map<number, string>();
  for (const [id, p] of Object.entries(APP_PROTOCOLS)) {
    if (id === 'smb') continue;
    for (const port of p.udp) if (!out.has(port)) out.set(port, portName(port) ?? id);
  }
  return out;
})();

function udpPortName(port: number): string | null {
  return UDP_NAMES.get(port) ?? null;
}
