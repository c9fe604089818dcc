/**
 * Application protocol by payload, not by port: a few bytes from the first payload of
 * each side name the protocols an analyst asks about most. Every reader checks its
 * lengths and returns null when nothing matches; nothing here throws on short or hostile
 * input.
 *
 * Who spoke first matters: a greeting ("+OK", "* OK", "220 ", a MySQL handshake) only
 * counts when the server sent it before the client said anything, so a Redis "+OK" reply
 * is never taken for POP3.
 */

export interface AppGuess {
  proto: string;
  /** TLS server name (SNI) from a ClientHello, when one was sent. */
  serverName: string | null;
}

const HTTP_METHODS = ['GET ', 'POST ', 'HEAD ', 'PUT ', 'DELETE ', 'OPTIONS ', 'PATCH ', 'CONNECT ', 'TRACE '];

/** The first `n` bytes as text, one character a byte (Latin-1), in one native call. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;
function ascii(b: Uint8Array, n: number): string {
  return latin1Slice.call(b, 0, Math.min(n, b.length));
}

const be16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const be32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;

/** SMB over TCP: a 4-byte NetBIOS session header, then \xFFSMB (SMB1) or \xFESMB (SMB2/3). */
function isSmb(b: Uint8Array): boolean {
  return b.length >= 8 && (b[4] === 0xff || b[4] === 0xfe) && b[5] === 0x53 && b[6] === 0x4d && b[7] === 0x42;
}

/**
 * TLS record (RFC 8446 §5.1): type 22 (handshake), legacy version 3.x, length (2), then
 * a handshake message: type (1: ClientHello, 2: ServerHello) and a 3-byte length.
 */
function tlsHandshakeType(b: Uint8Array): number {
  if (b.length < 6 || b[0] !== 0x16 || b[1] !== 0x03 || b[2]! > 0x04) return -1;
  return b[5]!;
}

/**
 * The server_name extension of a ClientHello (RFC 8446 §4.1.2, RFC 6066 §3):
 * version (2) | random (32) | session id (1 + n) | cipher suites (2 + n) |
 * compression methods (1 + n) | extensions (2 + n: type (2) | length (2) | data).
 * server_name (type 0): list length (2) | name type (1, 0 = host_name) | length (2) | name.
 * Returns null when the bytes end first (the name may be past what was kept).
 */
export function clientHelloSni(b: Uint8Array): string | null {
  if (tlsHandshakeType(b) !== 1) return null;
  let at = 9; // record header (5) + handshake type (1) + length (3)
  at += 2 + 32;
  if (at >= b.length) return null;
  at += 1 + b[at]!;
  if (at + 2 > b.length) return null;
  at += 2 + be16(b, at);
  if (at >= b.length) return null;
  at += 1 + b[at]!;
  if (at + 2 > b.length) return null;
  const extEnd = Math.min(b.length, at + 2 + be16(b, at));
  at += 2;
  while (at + 4 <= extEnd) {
    const type = be16(b, at);
    const len = be16(b, at + 2);
    const data = at + 4;
    if (type === 0) {
      if (data + 5 > extEnd || b[data + 2] !== 0) return null;
      const n = be16(b, data + 3);
      if (n === 0 || n > 255 || data + 5 + n > extEnd) return null;
      const name = ascii(b.subarray(data + 5), n);
      return /^[A-Za-z0-9._-]+$/.test(name) ? name.toLowerCase() : null;
    }
    at = data + len;
  }
  return null;
}

/**
 * A DNS message (RFC 1035 §4.1.1): id (2) | flags (2: QR bit 15, opcode bits 11-14) |
 * QDCOUNT | ANCOUNT | NSCOUNT | ARCOUNT, then the question's name as length-prefixed
 * labels. Over TCP the message follows a 2-byte length (RFC 1035 §4.2.2).
 * `response` says which way the QR bit must point.
 */
export function isDns(b: Uint8Array, response: boolean, overTcp: boolean): boolean {
  const o = overTcp ? 2 : 0;
  if (b.length < o + 13) return false;
  if (overTcp && be16(b, 0) < 12) return false;
  const flags = be16(b, o + 2);
  if (((flags >> 15) === 1) !== response) return false;
  const opcode = (flags >> 11) & 0x0f;
  if (opcode > 5 || opcode === 3) return false;
  const qd = be16(b, o + 4);
  if (qd < 1 || qd > 8) return false;
  if (!response && (be16(b, o + 6) > 0 || be16(b, o + 8) > 0)) return false;
  // Labels: 1..63 bytes each, ending in a zero byte (or the kept bytes run out).
  let at = o + 12;
  for (let i = 0; i < 128 && at < b.length; i++) {
    const len = b[at]!;
    if (len === 0) return i > 0 || qd > 0;
    if (len > 63) return false;
    for (let k = at + 1; k <= at + len && k < b.length; k++) {
      const c = b[k]!;
      if (c < 0x21 || c > 0x7e) return false;
    }
    at += 1 + len;
  }
  return true;
}

/** TPKT (RFC 1006: 03 00 length) + X.224 (ISO 8073): 0xE0 connection request, 0xD0 confirm. */
function isRdp(b: Uint8Array, code: number): boolean {
  return b.length >= 6 && b[0] === 0x03 && b[1] === 0x00 && be16(b, 2) >= 7 && (b[5]! & 0xf0) === code;
}

/**
 * MySQL initial handshake (protocol 10): payload length (3, little-endian) | sequence 0 |
 * protocol version 0x0a | server version, NUL-terminated printable text.
 */
function isMysqlGreeting(b: Uint8Array): boolean {
  if (b.length < 8 || b[3] !== 0 || b[4] !== 0x0a) return false;
  const len = b[0]! | (b[1]! << 8) | (b[2]! << 16);
  if (len < 20 || len > 1024) return false;
  for (let i = 5; i < Math.min(b.length, 5 + 60); i++) {
    const c = b[i]!;
    if (c === 0) return i > 5;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** PostgreSQL StartupMessage / SSLRequest / GSSENCRequest: int32 length | int32 code. */
function isPostgresStartup(b: Uint8Array): boolean {
  if (b.length < 8) return false;
  const len = be32(b, 0);
  const code = be32(b, 4);
  if (len < 8 || len > 10000) return false;
  return code === 196608 || code === 80877103 || code === 80877104;
}

/** Redis RESP array of bulk strings: "*<n>\r\n$<len>\r\n", or an inline PING. */
function isRedisCommand(b: Uint8Array): boolean {
  // '*', 'P' or 'p' first, or it is neither (no text made for the rest).
  if (b[0] !== 0x2a && (b[0]! | 0x20) !== 0x70) return false;
  const head = ascii(b, 24);
  return /^\*\d{1,4}\r\n\$\d{1,6}\r\n/.test(head) || /^PING\r?\n/i.test(head);
}

/** What the client's first payload says. */
export function sniffClient(b: Uint8Array, transport: 'tcp' | 'udp' = 'tcp'): AppGuess | null {
  if (b.length < 3) return null;
  if (transport === 'udp') return isDns(b, false, false) ? { proto: 'dns', serverName: null } : null;
  const head = ascii(b, 10);
  if (HTTP_METHODS.some((m) => head.startsWith(m))) return { proto: 'http', serverName: null };
  if (head.startsWith('SSH-')) return { proto: 'ssh', serverName: null };
  if (tlsHandshakeType(b) === 1) return { proto: 'tls', serverName: clientHelloSni(b) };
  if (isSmb(b)) return { proto: 'smb', serverName: null };
  if (isRdp(b, 0xe0)) return { proto: 'rdp', serverName: null };
  if (isPostgresStartup(b)) return { proto: 'postgresql', serverName: null };
  if (isRedisCommand(b)) return { proto: 'redis', serverName: null };
  if (isDns(b, false, true)) return { proto: 'dns', serverName: null };
  return null;
}

/** What the server's first payload says; greetings only when it spoke first. */
export function sniffServer(b: Uint8Array, transport: 'tcp' | 'udp' = 'tcp', spokeFirst = true): AppGuess | null {
  if (b.length < 3) return null;
  if (transport === 'udp') return isDns(b, true, false) ? { proto: 'dns', serverName: null } : null;
  const head = ascii(b, 16);
  const g = (proto: string): AppGuess => ({ proto, serverName: null });
  if (head.startsWith('SSH-')) return g('ssh');
  if (head.startsWith('HTTP/1.') || head.startsWith('HTTP/2')) return g('http');
  if (tlsHandshakeType(b) === 2) return g('tls');
  if (isSmb(b)) return g('smb');
  if (isRdp(b, 0xd0)) return g('rdp');
  if (isDns(b, true, true)) return g('dns');
  if (!spokeFirst) return null;
  if (head.startsWith('+OK')) return g('pop3');
  if (head.startsWith('* OK') || head.startsWith('* PREAUTH')) return g('imap');
  if (/^220[ -]/.test(head)) {
    const line = ascii(b, 160).toLowerCase();
    if (line.includes('ftp')) return g('ftp');
    if (line.includes('smtp') || line.includes('mail')) return g('smtp');
    return g('ftp-or-smtp');
  }
  if (isMysqlGreeting(b)) return g('mysql');
  return null;
}

/**
 * Names a conversation from both first payloads. `serverFirst` is true when the server's
 * first payload came before the client's (or the client sent none).
 */
export function sniff(client: Uint8Array | null, server: Uint8Array | null, serverFirst: boolean, transport: 'tcp' | 'udp'): AppGuess | null {
  const c = client ? sniffClient(client, transport) : null;
  const s = server ? sniffServer(server, transport, serverFirst) : null;
  if (c && s && c.proto !== s.proto && serverFirst) return s;
  return c ?? s;
}
