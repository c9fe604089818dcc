/**
 * Insecure protocols: cleartext logins and management (PCI DSS 1.2.6 asks for
 * compensating controls on each; CIS 4.8 asks to turn them off). A service is marked by
 * its service name when one is known (payload detection or the scanner's report), else by
 * its well-known port.
 *
 * HTTP is deliberately not marked: nearly every host serves some, mostly redirects or
 * public content, and marking it would bury telnet under a thousand web servers. Flag a
 * particular HTTP service by review instead. SNMP on udp/161-162 is marked because
 * versions 1 and 2c (community strings in clear) are what nearly every device answers;
 * a port cannot prove SNMPv3.
 */
import type { Proto } from '../../shared/model';

/** proto/port → label. */
const BY_PORT: ReadonlyMap<string, string> = new Map([
  ['tcp/21', 'ftp'],
  ['tcp/23', 'telnet'],
  ['udp/69', 'tftp'],
  ['tcp/110', 'pop3'],
  ['tcp/143', 'imap'],
  ['udp/161', 'snmp'],
  ['udp/162', 'snmp'],
  ['tcp/512', 'rexec'],
  ['tcp/513', 'rlogin'],
  ['tcp/514', 'rsh'],
]);

/** Service names (our payload detector's and nmap's) → label. */
const BY_NAME: ReadonlyMap<string, string> = new Map([
  ['ftp', 'ftp'],
  ['telnet', 'telnet'],
  ['tftp', 'tftp'],
  ['pop3', 'pop3'],
  ['imap', 'imap'],
  ['snmp', 'snmp'],
  ['snmptrap', 'snmp'],
  ['exec', 'rexec'],
  ['rexec', 'rexec'],
  ['login', 'rlogin'],
  ['rlogin', 'rlogin'],
  ['shell', 'rsh'],
  ['rsh', 'rsh'],
]);

/** The insecure-protocol label of a service, or null. */
export function insecureLabel(proto: Proto, port: number, service: string | null | undefined): string | null {
  const name = service?.trim().toLowerCase();
  if (name) {
    // A name we know settles it either way (ssh on port 23 is not telnet); "ssl/imap" is
    // nmap's name for IMAP inside TLS, which is fine.
    if (name.startsWith('ssl/') || name.startsWith('tls/')) return null;
    const byName = BY_NAME.get(name);
    if (byName) return byName;
    if (name !== 'unknown' && name !== 'tcpwrapped') return null;
  }
  return BY_PORT.get(`${proto}/${port}`) ?? null;
}

export const INSECURE_PORTS: ReadonlyArray<[string, string]> = [...BY_PORT];
