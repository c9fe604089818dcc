/**
 * What the capture child (child.ts) and its parent (live.ts, interfaces.ts) say to each
 * other. Requests go as one JSON argument; replies come over the IPC channel; captured
 * frames come on the child's stdout as a classic pcap stream.
 */

export type ChildRequest =
  | { op: 'list'; probe: string | null }
  | {
      op: 'capture';
      iface: string;
      /** BPF candidates, best first; the first libpcap accepts is used. */
      filters: Array<{ bpf: string; note: string | null }>;
      snaplen: number;
      /** Kernel ring buffer, bytes. */
      bufferBytes: number;
      promiscuous: boolean;
      /** How often batched frames are written out, ms. */
      flushMs: number;
      /** How often statistics are reported, ms. */
      statsMs: number;
      /** Frames are dropped (and counted) while more than this many bytes wait for the parent. */
      maxQueuedBytes: number;
    };

export interface ChildStats {
  /** Packets libpcap received (ps_recv), kernel drops (ps_drop), interface drops (ps_ifdrop). */
  recv: number;
  drop: number;
  ifdrop: number;
  /** Frames dropped in the child because the parent fell behind. */
  appDrops: number;
  /** Frames the child handed on. */
  frames: number;
}

export interface ChildDevice {
  name: string;
  description: string | null;
  addresses: string[];
  loopback: boolean;
}

export type ChildReply =
  | { t: 'error'; stage: 'load' | 'list' | 'open'; message: string }
  | { t: 'devices'; libpcap: string; probeError: string | null; devices: ChildDevice[] }
  | { t: 'started'; linktype: number; linkName: string; bpf: string; note: string | null }
  | ({ t: 'stats' } & ChildStats)
  | ({ t: 'stopped' } & ChildStats);
