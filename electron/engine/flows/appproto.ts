/**
 * Application protocol by payload, not by port: a few bytes from the first payload of
 * each side are enough for the protocols an analyst asks about most. Returns null when
 * nothing matches; never throws on short input.
 */

const HTTP_METHODS = ['GET ', 'POST ', 'HEAD ', 'PUT ', 'DELETE ', 'OPTIONS ', 'PATCH ', 'CONNECT '];

function ascii(b: Uint8Array, n: number): string {
  let s = '';
  const end = Math.min(n, b.length);
  for (let i = 0; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Guess from a client's first payload (sent to the server). */
export function sniffClient(b: Uint8Array): string | null {
  if (b.length < 3) return null;
  const head = ascii(b, 8);
  if (HTTP_METHODS.some((m) => head.startsWith(m))) return 'http';
  if (head.startsWith('SSH-')) return 'ssh';
  // TLS record: handshake (22), version 3.x, then a ClientHello (1).
  if (b[0] === 0x16 && b[1] === 0x03 && b.length >= 6 && b[5] === 0x01) return 'tls';
  // SMB over TCP: NetBIOS session header then \xFFSMB or \xFESMB.
  if (b.length >= 8 && (b[4] === 0xff || b[4] === 0xfe) && b[5] === 0x53 && b[6] === 0x4d && b[7] === 0x42) return 'smb';
  return null;
}

/** Guess from a server's first payload (sent to the client). */
export function sniffServer(b: Uint8Array): string | null {
  if (b.length < 3) return null;
  const head = ascii(b, 16);
  if (head.startsWith('SSH-')) return 'ssh';
  if (head.startsWith('HTTP/1.') || head.startsWith('HTTP/2')) return 'http';
  if (b[0] === 0x16 && b[1] === 0x03 && b.length >= 6 && b[5] === 0x02) return 'tls';
  if (head.startsWith('+OK')) return 'pop3';
  if (head.startsWith('* OK')) return 'imap';
  if (/^220[ -]/.test(head)) {
    const line = ascii(b, 120).toLowerCase();
    if (line.includes('ftp')) return 'ftp';
    if (line.includes('smtp') || line.includes('mail') || line.includes('esmtp')) return 'smtp';
    return 'ftp-or-smtp';
  }
  if (b.length >= 8 && (b[4] === 0xff || b[4] === 0xfe) && b[5] === 0x53 && b[6] === 0x4d && b[7] === 0x42) return 'smb';
  return null;
}
