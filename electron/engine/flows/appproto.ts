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

/**
 * NTP (RFC 5905 §7.3): 48 bytes, or more in 4-byte steps (extension fields, a MAC);
 * byte 0 is LI (2 bits) | VN (3 bits, 1-4) | Mode (3 bits); then stratum (0-16), poll
 * (log2 seconds, 0-17), precision; root delay and root dispersion (NTP short format,
 * 16.16 seconds) under 256 s (MAXDISP is 16 s). `modes` is a bit set of the modes
 * accepted (client: 3 and symmetric active 1; server: 4, 2 and 1). A reply carries a
 * transmit timestamp.
 */
function isNtp(b: Uint8Array, modes: number, reply: boolean): boolean {
  if (b.length < 48 || (b.length & 3) !== 0) return false;
  const vn = (b[0]! >> 3) & 7;
  if (vn < 1 || vn > 4 || !((modes >> (b[0]! & 7)) & 1)) return false;
  if (b[1]! > 16 || b[2]! > 17 || b[4] !== 0 || b[8] !== 0) return false;
  if (!reply) return true;
  for (let i = 40; i < 48; i++) if (b[i] !== 0) return true;
  return false;
}
const NTP_CLIENT_MODES = (1 << 1) | (1 << 3);
const NTP_SERVER_MODES = (1 << 1) | (1 << 2) | (1 << 4);

/**
 * A BER length at `at` (X.690 §8.1.3): short form, or long form with 1-4 length bytes.
 * Returns the length and where the contents start, packed as contents offset in the low
 * 16 bits (no object per call), or -1 when the bytes run out or the form is not allowed.
 */
function berLen(b: Uint8Array, at: number): number {
  if (at >= b.length) return -1;
  const first = b[at]!;
  if (first < 0x80) return first * 65536 + at + 1;
  const n = first & 0x7f;
  if (n < 1 || n > 4 || at + 1 + n > b.length) return -1;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[at + 1 + i]!;
  if (len > 0xffffff) return -1;
  return len * 65536 + at + 1 + n;
}
const berBody = (packed: number): number => packed & 0xffff;
const berSize = (packed: number): number => Math.floor(packed / 65536);

/**
 * A small BER INTEGER at `at` (1-4 content bytes). Returns the offset after it, or -1;
 * `value` gets the integer's value (unsigned) through INT_OUT.
 */
const INT_OUT = new Int32Array(1);
function berInt(b: Uint8Array, at: number): number {
  if (at + 2 > b.length || b[at] !== 0x02) return -1;
  const n = b[at + 1]!;
  if (n < 1 || n > 4 || at + 2 + n > b.length) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) v = (v << 8) | b[at + 2 + i]!;
  INT_OUT[0] = v;
  return at + 2 + n;
}

/**
 * The start of an SNMP message (RFC 1157, RFC 3416, RFC 3412 §6): SEQUENCE { INTEGER
 * version (0 v1, 1 v2c, 3 v3), ... }. Returns the offset after the version, or -1.
 */
function snmpStart(b: Uint8Array): number {
  if (b.length < 12 || b[0] !== 0x30) return -1;
  const outer = berLen(b, 1);
  if (outer < 0 || berBody(outer) + berSize(outer) < b.length) return -1;
  if (b[berBody(outer)] !== 0x02 || b[berBody(outer) + 1] !== 0x01) return -1;
  const v = b[berBody(outer) + 2]!;
  if (v !== 0 && v !== 1 && v !== 3) return -1;
  return berBody(outer) + 3;
}

/**
 * SNMP v1/v2c: community OCTET STRING (printable), then a PDU whose context tag is in
 * `pdus` (a bit set of tag - 0xa0: a0 get, a1 get-next, a2 response, a3 set, a4 v1 trap,
 * a5 get-bulk, a6 inform, a7 v2 trap, a8 report), then its request-id INTEGER (a v1
 * trap: the enterprise OBJECT IDENTIFIER). SNMPv3: the header SEQUENCE { msgID, msgMaxSize
 * (≥ 484), msgFlags OCTET STRING (1), msgSecurityModel (1-3) } (RFC 3412 §6), in either
 * direction (the PDU itself may be encrypted).
 */
function isSnmp(b: Uint8Array, pdus: number): boolean {
  const at = snmpStart(b);
  if (at < 0) return false;
  if (b[at - 1] === 3) {
    if (b[at] !== 0x30) return false;
    const hdr = berLen(b, at + 1);
    if (hdr < 0) return false;
    let p = berInt(b, berBody(hdr));
    if (p < 0) return false;
    p = berInt(b, p);
    if (p < 0 || INT_OUT[0]! < 484) return false;
    if (p + 3 > b.length || b[p] !== 0x04 || b[p + 1] !== 0x01 || (b[p + 2]! & 0xf8) !== 0) return false;
    p = berInt(b, p + 3);
    return p >= 0 && INT_OUT[0]! >= 1 && INT_OUT[0]! <= 3;
  }
  if (at + 2 > b.length || b[at] !== 0x04) return false;
  const n = b[at + 1]!;
  if (n > 127) return false;
  const pdu = at + 2 + n;
  if (pdu + 3 > b.length) return false;
  for (let i = at + 2; i < pdu; i++) if (b[i]! < 0x20 || b[i]! > 0x7e) return false;
  const tag = b[pdu]!;
  if (tag < 0xa0 || tag > 0xa8 || !((pdus >> (tag - 0xa0)) & 1)) return false;
  const len = berLen(b, pdu + 1);
  if (len < 0 || berBody(len) >= b.length) return false;
  return b[berBody(len)] === (tag === 0xa4 ? 0x06 : 0x02);
}
const SNMP_REQUESTS = 0b011111011; // a0 a1 a3 a4 a5 a6 a7
const SNMP_REPLIES = 0b100000100; // a2 a8

/**
 * An LDAP message (RFC 4511 §4.2, also CLDAP over UDP): SEQUENCE { INTEGER messageID
 * (1-4 bytes), protocolOp }. Client ops: bindRequest [APPLICATION 0] with its INTEGER
 * version 1-3, searchRequest [APPLICATION 3] with its OCTET STRING base, extendedRequest
 * [APPLICATION 23] (StartTLS) with its [0] name. Server ops: bindResponse [1],
 * searchResDone [5], extendedResponse [24], each starting with an ENUMERATED resultCode;
 * searchResEntry [4] starting with its OCTET STRING name.
 */
function isLdap(b: Uint8Array, response: boolean): boolean {
  if (b.length < 9 || b[0] !== 0x30) return false;
  const outer = berLen(b, 1);
  if (outer < 0) return false;
  const op = berInt(b, berBody(outer));
  if (op < 0 || op + 2 > b.length) return false;
  const tag = b[op]!;
  const body = berLen(b, op + 1);
  if (body < 0 || berBody(body) + 3 > b.length) return false;
  const at = berBody(body);
  if (!response) {
    if (tag === 0x60) return b[at] === 0x02 && b[at + 1] === 0x01 && b[at + 2]! >= 1 && b[at + 2]! <= 3;
    if (tag === 0x63) return b[at] === 0x04;
    if (tag === 0x77) return b[at] === 0x80;
    return false;
  }
  if (tag === 0x61 || tag === 0x65 || tag === 0x78) return b[at] === 0x0a && b[at + 1] === 0x01;
  if (tag === 0x64) return b[at] === 0x04;
  return false;
}

const SIP_METHODS = /^(?:INVITE|ACK|BYE|CANCEL|OPTIONS|REGISTER|PRACK|SUBSCRIBE|NOTIFY|PUBLISH|INFO|REFER|MESSAGE|UPDATE) (?:sips?|tel):[^ \r\n]{1,200} SIP\/2\.0\r?\n/;

/**
 * SIP (RFC 3261 §7.1): a request line "METHOD sip:uri SIP/2.0". Bytes first: a capital
 * word of 3-9 letters, a space, then "sip:", "sips:" or "tel:" (so an HTTP request makes
 * no text); then the whole line.
 */
function isSipRequest(b: Uint8Array): boolean {
  let sp = 0;
  while (sp < 10 && sp < b.length && b[sp]! >= 0x41 && b[sp]! <= 0x5a) sp++;
  if (sp < 3 || sp > 9 || b[sp] !== 0x20 || sp + 5 > b.length) return false;
  const u = sp + 1;
  const sip = b[u] === 0x73 && b[u + 1] === 0x69 && b[u + 2] === 0x70 && (b[u + 3] === 0x3a || (b[u + 3] === 0x73 && b[u + 4] === 0x3a));
  const tel = b[u] === 0x74 && b[u + 1] === 0x65 && b[u + 2] === 0x6c && b[u + 3] === 0x3a;
  return (sip || tel) && SIP_METHODS.test(ascii(b, 280));
}

/** A SIP status line (RFC 3261 §7.2): "SIP/2.0 200 OK". */
function isSipStatus(b: Uint8Array): boolean {
  return b.length >= 12 && b[0] === 0x53 && /^SIP\/2\.0 [1-6]\d\d /.test(ascii(b, 12));
}

/**
 * Telnet option negotiation (RFC 854, RFC 855): IAC (0xff), then WILL, WONT, DO or DONT
 * (0xfb-0xfe) and an option code from the registry (0-49, 138-140, 255 extended list);
 * then the payload ends or another command follows (IAC, then 0xf0-0xfe): servers open
 * with several negotiations in one segment. Either end may open with it.
 */
function isTelnet(b: Uint8Array): boolean {
  if (b.length < 3 || b[0] !== 0xff || b[1]! < 0xfb || b[1]! > 0xfe) return false;
  const opt = b[2]!;
  if (opt > 49 && (opt < 138 || opt > 140) && opt !== 255) return false;
  return b.length === 3 || (b.length >= 5 && b[3] === 0xff && b[4]! >= 0xf0 && b[4]! <= 0xfe);
}

/**
 * NetBIOS names (RFC 1002 §4.1): a 32-byte label of "half-ASCII" letters A-P (each byte
 * of the 16-byte name as two nibbles + 'A'), length byte 0x20 first.
 */
function isNetbiosName(b: Uint8Array, at: number): boolean {
  if (at + 34 > b.length || b[at] !== 0x20) return false;
  for (let i = at + 1; i <= at + 32; i++) if (b[i]! < 0x41 || b[i]! > 0x50) return false;
  return true;
}

/**
 * NetBIOS name service (RFC 1002 §4.2, UDP 137): a DNS-shaped header whose question (or,
 * in a reply, answer) name is an encoded NetBIOS name, type NB (0x20) or NBSTAT (0x21).
 * Checked before DNS, which would otherwise take it.
 */
function isNbns(b: Uint8Array): boolean {
  if (b.length < 50 || !isNetbiosName(b, 12)) return false;
  const opcode = (b[2]! >> 3) & 0x0f;
  if (opcode !== 0 && opcode !== 5 && opcode !== 6 && opcode !== 7 && opcode !== 8) return false;
  let at = 45;
  while (at < b.length && b[at] !== 0 && at < 12 + 255) at += 1 + b[at]!;
  if (at + 3 > b.length || b[at] !== 0) return false;
  return b[at + 1] === 0x00 && (b[at + 2] === 0x20 || b[at + 2] === 0x21);
}

/**
 * NetBIOS datagram service (RFC 1002 §4.4, UDP 138): type 0x10-0x12 (direct unique, direct
 * group, broadcast), flags, id, source IP and port, length, offset, then the encoded
 * source name at byte 14.
 */
function isNbds(b: Uint8Array): boolean {
  return b.length >= 82 && b[0]! >= 0x10 && b[0]! <= 0x12 && (b[1]! & 0xf0) === 0 && isNetbiosName(b, 14);
}

/**
 * NetBIOS session service (RFC 1002 §4.3, TCP 139): a session request (0x81) carrying the
 * called and calling names, or the answer: positive (0x82, no body) or negative (0x83,
 * one error byte 0x80-0x8f).
 */
function isNbssRequest(b: Uint8Array): boolean {
  return b.length >= 40 && b[0] === 0x81 && b[1] === 0 && be16(b, 2) === 68 && isNetbiosName(b, 4);
}
function isNbssReply(b: Uint8Array): boolean {
  if (b[1] !== 0) return false;
  if (b[0] === 0x82) return be16(b, 2) === 0 && b.length === 4;
  return b[0] === 0x83 && be16(b, 2) === 1 && b.length === 5 && b[4]! >= 0x80 && b[4]! <= 0x8f;
}

/** What the client's first datagram says. */
function sniffClientUdp(b: Uint8Array): AppGuess | null {
  const g = (proto: string): AppGuess => ({ proto, serverName: null });
  if (isNbns(b)) return g('netbios-ns');
  if (isNbds(b)) return g('netbios-dgm');
  if (isDns(b, false, false)) return g('dns');
  if (isNtp(b, NTP_CLIENT_MODES, false)) return g('ntp');
  if (isSnmp(b, SNMP_REQUESTS)) return g('snmp');
  if (isLdap(b, false)) return g('ldap');
  if (isSipRequest(b)) return g('sip');
  return null;
}

/** What the server's first datagram says. */
function sniffServerUdp(b: Uint8Array): AppGuess | null {
  const g = (proto: string): AppGuess => ({ proto, serverName: null });
  if (isNbns(b)) return g('netbios-ns');
  if (isDns(b, true, false)) return g('dns');
  if (isNtp(b, NTP_SERVER_MODES, true)) return g('ntp');
  if (isSnmp(b, SNMP_REPLIES)) return g('snmp');
  if (isLdap(b, true)) return g('ldap');
  if (isSipStatus(b) || isSipRequest(b)) return g('sip');
  return null;
}

/** What the client's first payload says. */
export function sniffClient(b: Uint8Array, transport: 'tcp' | 'udp' = 'tcp'): AppGuess | null {
  if (b.length < 3) return null;
  if (transport === 'udp') return sniffClientUdp(b);
  if (isSipRequest(b)) return { proto: 'sip', serverName: null };
  const head = ascii(b, 10);
  if (HTTP_METHODS.some((m) => head.startsWith(m))) return { proto: 'http', serverName: null };
  if (head.startsWith('SSH-')) return { proto: 'ssh', serverName: null };
  if (tlsHandshakeType(b) === 1) return { proto: 'tls', serverName: clientHelloSni(b) };
  if (isSmb(b)) return { proto: 'smb', serverName: null };
  if (isRdp(b, 0xe0)) return { proto: 'rdp', serverName: null };
  if (isPostgresStartup(b)) return { proto: 'postgresql', serverName: null };
  if (isRedisCommand(b)) return { proto: 'redis', serverName: null };
  if (isDns(b, false, true)) return { proto: 'dns', serverName: null };
  if (isLdap(b, false)) return { proto: 'ldap', serverName: null };
  if (isNbssRequest(b)) return { proto: 'netbios-ssn', serverName: null };
  if (isTelnet(b)) return { proto: 'telnet', serverName: null };
  return null;
}

/** What the server's first payload says; greetings only when it spoke first. */
export function sniffServer(b: Uint8Array, transport: 'tcp' | 'udp' = 'tcp', spokeFirst = true): AppGuess | null {
  if (b.length < 3) return null;
  if (transport === 'udp') return sniffServerUdp(b);
  const head = ascii(b, 16);
  const g = (proto: string): AppGuess => ({ proto, serverName: null });
  if (head.startsWith('SSH-')) return g('ssh');
  if (head.startsWith('HTTP/1.') || head.startsWith('HTTP/2')) return g('http');
  if (tlsHandshakeType(b) === 2) return g('tls');
  if (isSmb(b)) return g('smb');
  if (isRdp(b, 0xd0)) return g('rdp');
  if (isDns(b, true, true)) return g('dns');
  if (isSipStatus(b)) return g('sip');
  if (isLdap(b, true)) return g('ldap');
  if (isNbssReply(b)) return g('netbios-ssn');
  if (isTelnet(b)) return g('telnet');
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
