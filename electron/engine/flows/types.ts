import type { Confidence, Evidence, Proto } from '../../shared/model';

/**
 * A finished flow as stored. Direction: `src` is the originator (sent the SYN, or the
 * first datagram), `dest` the responder. `*_in` counts what the source sent into the
 * destination, `*_out` what came back out of it (Splunk Stream's client/server sense).
 */
export interface FlowRecord {
  transport: Proto;
  srcIp: string;
  srcPort: number;
  destIp: string;
  destPort: number;
  /** First and last packet, microseconds since the Unix epoch. */
  startUs: number;
  endUs: number;
  packetsIn: number;
  packetsOut: number;
  /** Bytes on the wire (frame original length). */
  bytesIn: number;
  bytesOut: number;
  /** Packets from the destination acknowledging payload the source sent in. */
  ackPacketsIn: number;
  /** Packets from the source acknowledging payload the destination sent out. */
  ackPacketsOut: number;
  syn: number;
  synAck: number;
  fin: number;
  rst: number;
  /** Zeek conn_state (see docs/flows.md). */
  connState: string;
  /** Zeek-style history: upper case from the originator, lower case from the responder. */
  history: string;
  appProto: string | null;
  /** VLAN ids outermost first, comma-separated; empty when untagged. */
  vlan: string;
  /** False when no SYN / SYN-ACK / first datagram fixed who the originator was. */
  directionKnown: boolean;
}

/** One inference that `host` listens on `port`/`proto`, aggregated over flows. */
export interface ListenerHit {
  host: string;
  port: number;
  proto: Proto;
  evidence: Evidence;
  confidence: Confidence;
  firstUs: number;
  lastUs: number;
  flows: number;
  bytes: number;
  service: string | null;
}
