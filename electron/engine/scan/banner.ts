/**
 * Banners and service guesses. A banner is the first bytes a server sends after the
 * handshake (SSH, SMTP, FTP, POP3, IMAP, MySQL… greet first); it is stored as printable
 * text: ASCII 0x20-0x7e kept, CR/LF/TAB shown as \r \n \t, other bytes as \xNN.
 */
import { portName } from './ports';

export const BANNER_MAX_BYTES = 256;

export function printable(buf: Buffer): string {
  let out = '';
  for (const b of buf.subarray(0, BANNER_MAX_BYTES)) {
    if (b >= 0x20 && b <= 0x7e && b !== 0x5c) out += String.fromCharCode(b);
    else if (b === 0x5c) out += '\\\\';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x09) out += '\\t';
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/**
 * What `--http` sends to an open port that stayed silent for the whole banner wait, on
 * any port: HTTP servers wait for the client, and which ports serve HTTP is anyone's
 * choice (18080, 3001, …), so no list of "HTTP ports" decides it.
 */
export const HTTP_REQUEST = Buffer.from('HEAD / HTTP/1.0\r\nUser-Agent: portolan\r\n\r\n');

/** How a service name was found: from what the server sent (`evidence`), or from the port's usual name (`table`). */
export type ServiceMethod = 'evidence' | 'table';

/** Telnet option negotiation: IAC (0xff) followed by WILL, WONT, DO or DONT (RFC 854). */
function isTelnetNegotiation(raw: Buffer): boolean {
  return raw.length >= 3 && raw[0] === 0xff && raw[1]! >= 0xfb && raw[1]! <= 0xfe;
}

/**
 * A service name from the banner alone, when it says who it is; null otherwise. The raw
 * bytes are used so binary greetings (MySQL, telnet's option negotiation) are recognised.
 */
export function bannerService(raw: Buffer | null): string | null {
  if (!raw || !raw.length) return null;
  if (isTelnetNegotiation(raw)) return 'telnet';
  const head = raw.subarray(0, 64).toString('latin1');
  if (head.startsWith('SSH-')) return 'ssh';
  if (head.startsWith('HTTP/')) return 'http';
  if (head.startsWith('RFB ')) return 'vnc';
  if (head.startsWith('+OK')) return 'pop3';
  if (head.startsWith('* OK') || head.startsWith('* PREAUTH')) return 'imap';
  if (/^220[ -]/.test(head)) {
    if (/ftp/i.test(head)) return 'ftp';
    if (/smtp|mail|postfix|exim|sendmail/i.test(head)) return 'smtp';
    return 'ftp-or-smtp';
  }
  if (head.startsWith('-ERR') || head.startsWith('-DENIED')) return 'redis';
  // MySQL/MariaDB: 3-byte length, sequence 0, protocol version 10.
  if (raw.length > 5 && raw[3] === 0 && raw[4] === 0x0a) return 'mysql';
  if (head.startsWith('AMQP')) return 'amqp';
  // A plain-text login prompt on a terminal service ("Welcome to telnetd\r\nlogin:"):
  // what telnet servers greet with once options are settled (or when they send none).
  const text = raw.subarray(0, BANNER_MAX_BYTES).toString('latin1');
  if (/telnet/i.test(text) || /(^|[\r\n])[^\r\n]{0,40}(login|username)\s*:\s*$/i.test(text)) return 'telnet';
  return null;
}

/**
 * A service name from the banner when it says who it is, else the port's usual name; and
 * which of the two it is (a name from evidence beats a port-table guess in the inventory).
 */
export function guessServiceMethod(raw: Buffer | null, port: number): { service: string | null; method: ServiceMethod } {
  const seen = bannerService(raw);
  if (seen === 'ftp-or-smtp') {
    const byPort = port === 21 ? 'ftp' : port === 25 || port === 587 ? 'smtp' : null;
    return { service: byPort ?? seen, method: 'evidence' };
  }
  if (seen) return { service: seen, method: 'evidence' };
  return { service: portName(port), method: 'table' };
}

/** The service name alone (see guessServiceMethod). */
export function guessService(raw: Buffer | null, port: number): string | null {
  return guessServiceMethod(raw, port).service;
}
