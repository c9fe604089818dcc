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
  /** Zeek conn_state (see docs/listeners.md). */
  connState: string;
  /** Zeek-style history: upper case from the originator, lower case from the responder. */
  history: string;
  appProto: string | null;
  /** VLAN ids outermost first, comma-separated; empty when untagged. */
  vlan: string;
  /** False when no SYN / SYN-ACK / first datagram fixed who the originator was. */
  directionKnown: boolean;
  /** TLS server name (SNI) the client asked for, when a ClientHello was seen. */
  serverName: string | null;
  /**
   * Comma-separated oddities: `synack-bad-ack` when no SYN-ACK acknowledged the SYN's
   * sequence number + 1 (spoofed, injected or answered by a middlebox). Empty when none.
   */
  flags: string;
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
  /** True when, in some flow, payload went both ways or the host acknowledged data: a real conversation, not a bare handshake. */
  talked: boolean;
}

/**
 * A host that answered SYN-ACK on an implausible share of the ports probed on it (SYN
 * cookies on a SYN proxy, a tarpit, a transparent proxy): its bare-handshake ports are
 * collapsed into this one record instead of flooding the inventory.
 */
export interface AnsweringHost {
  host: string;
  proto: 'tcp';
  /** Distinct ports that received a SYN. */
  probedPorts: number;
  /** Distinct ports that answered with a SYN-ACK. */
  answeredPorts: number;
  /** Ports left out of the listeners (answered, but nothing ever talked on them). */
  collapsedPorts: number;
  firstUs: number;
  lastUs: number;
}
