/**
 * What a finished flow's counters say, as pure functions: Zeek's conn_state, the history
 * letters, and how server-like a port looks.
 */

/**
 * Zeek-style history letters, kept per side as 3-bit codes in order of first occurrence
 * (no string per packet): written upper case for the originator, lower for the responder.
 */
const HISTORY_LETTERS = ' shadfr';
export const H_SYN = 1;
export const H_SYNACK = 2;
export const H_ACK = 3;
export const H_DATA = 4;
export const H_FIN = 5;
export const H_RST = 6;

/** A side's history codes (most recent in the lowest 3 bits) as letters. */
export function historyText(codes: number, originator: boolean): string {
  let out = '';
  for (let h = codes; h > 0; h = Math.floor(h / 8)) out = HISTORY_LETTERS[h % 8]! + out;
  return originator ? out.toUpperCase() : out;
}

/** The counters conn_state needs from one side. */
export interface SideFlags {
  syn: number;
  synAck: number;
  fin: number;
  rst: number;
  pkts: number;
}

/**
 * Zeek conn_state from the originator's and responder's flags:
 * S0 SYN, no reply | REJ SYN answered by RST | S1 established, open | SF established and
 * closed by FIN both ways | S2 / S3 established, only originator / responder sent FIN |
 * RSTO / RSTR established, reset by originator / responder | RSTOS0 originator SYN then
 * RST, no SYN-ACK | RSTRH responder SYN-ACK then RST, no SYN seen | SH originator SYN then
 * FIN, no SYN-ACK | SHR responder SYN-ACK then FIN, no SYN | OTH no SYN, mid-stream.
 */
export function connState(o: SideFlags, r: SideFlags): string {
  return connStateOf(o.syn, o.fin, o.rst, r.synAck, r.fin, r.rst);
}

/** connState from the counters themselves (the flow table's path: no objects per flow). */
export function connStateOf(oSyn: number, oFin: number, oRst: number, rSynAck: number, rFin: number, rRst: number): string {
  const synSeen = oSyn > 0;
  const synAckSeen = rSynAck > 0;
  if (synSeen && !synAckSeen) {
    if (rRst > 0) return 'REJ';
    if (oRst > 0) return 'RSTOS0';
    if (oFin > 0) return 'SH';
    return 'S0';
  }
  if (!synSeen && synAckSeen) {
    if (rRst > 0) return 'RSTRH';
    if (rFin > 0) return 'SHR';
    return 'OTH';
  }
  if (!synSeen && !synAckSeen) return 'OTH';
  if (oRst > 0) return 'RSTO';
  if (rRst > 0) return 'RSTR';
  if (oFin > 0 && rFin > 0) return 'SF';
  if (oFin > 0) return 'S2';
  if (rFin > 0) return 'S3';
  return 'S1';
}

/** Ports registered for common services above 1023 (servers more often than clients). */
const KNOWN_HIGH_PORTS = new Set([
  1080, 1194, 1433, 1521, 1723, 1883, 2049, 2375, 2376, 3128, 3306, 3389, 5050, 5060, 5061, 5222, 5223, 5432, 5671,
  5672, 5900, 5984, 6379, 6443, 6667, 6697, 8000, 8008, 8080, 8081, 8443, 8888, 9000, 9042, 9090, 9092, 9200, 9300,
  9418, 11211, 27017,
]);

/** How strongly a host:port looks like a server, from its port alone. */
export function portScore(port: number): number {
  if (port < 1024) return 2;
  if (KNOWN_HIGH_PORTS.has(port)) return 1;
  if (port >= 32768) return -1;
  return 0;
}
