/**
 * App protocols by payload (electron/engine/flows/appproto.ts): NTP, SNMP, LDAP, SIP,
 * telnet and NetBIOS from annotated hex, each on its own side (client / server) and
 * transport; then what must not be claimed: other protocols' payloads, random bytes,
 * every prefix of every fixture (no throw). Then the service names a capture gives the
 * inventory: the payload's name as evidence, else the port's usual name as a table guess.
 */
import { describe, expect, it } from 'vitest';
import { sniff, sniffClient, sniffServer } from '../../electron/engine/flows/appproto';
import { hitSighting, serviceName } from '../../electron/engine/flows/sighting';
import { decodeFrame, newPacket } from '../../electron/engine/decode';
import { FlowTable } from '../../electron/engine/flows/table';
import type { FlowRecord, ListenerHit } from '../../electron/engine/flows/types';
import { hex, tcpFrame, udpFrame, type TcpSpec } from '../support/frames';

/** udpFrame with binary payload (its payload string is written as UTF-8): the frame for a same-length placeholder, payload copied over. */
function udpBinary(u: { src: string; dst: string; sport: number; dport: number; payload: Uint8Array }): Uint8Array {
  const frame = udpFrame({ ...u, payload: 'x'.repeat(u.payload.length) });
  frame.set(u.payload, frame.length - u.payload.length);
  return frame;
}

const b = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

const NTP_CLIENT = hex(`
  e3                             # LI 3 (unsynchronised), VN 4, mode 3 (client)
  00 06 ec                       # stratum 0, poll 6 (64 s), precision -20
  00 00 00 00                    # root delay
  00 01 00 00                    # root dispersion 1 s
  00 00 00 00                    # reference id
  00 00 00 00 00 00 00 00        # reference timestamp
  00 00 00 00 00 00 00 00        # origin timestamp
  00 00 00 00 00 00 00 00        # receive timestamp
  e9 4a 1b 2c 11 22 33 44        # transmit timestamp
`);

const NTP_SERVER = hex(`
  24                             # LI 0, VN 4, mode 4 (server)
  02 06 e9                       # stratum 2, poll 6, precision -23
  00 00 00 1c                    # root delay
  00 00 00 2e                    # root dispersion
  c0 00 02 01                    # reference id 192.0.2.1 (its upstream)
  e9 4a 1a 00 00 00 00 00        # reference timestamp
  e9 4a 1b 2c 11 22 33 44        # origin timestamp (the client's transmit)
  e9 4a 1b 2c 20 00 00 00        # receive timestamp
  e9 4a 1b 2c 20 10 00 00        # transmit timestamp
`);

const NTP_V3_SYMMETRIC = hex(`
  19                             # LI 0, VN 3, mode 1 (symmetric active: ntpd peers, 123↔123)
  03 0a ec 00 00 01 00 00 00 02 00 c0 00 02 01
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 e9 4a 1b 2c 11 22 33 44
`);

const SNMP_V2C_GET = hex(`
  30 29                          # SEQUENCE, 41 bytes
  02 01 01                       # INTEGER version 1 (v2c)
  04 06 70 75 62 6c 69 63        # OCTET STRING community "public"
  a0 1c                          # GetRequest-PDU, 28 bytes
  02 04 12 34 56 78              # request-id
  02 01 00                       # error-status 0
  02 01 00                       # error-index 0
  30 0e                          # variable bindings
  30 0c                          # one binding
  06 08 2b 06 01 02 01 01 01 00  # OID 1.3.6.1.2.1.1.1.0 (sysDescr.0)
  05 00                          # NULL
`);

const SNMP_V2C_RESPONSE = hex(`
  30 2e                          # SEQUENCE, 46 bytes
  02 01 01                       # version v2c
  04 06 70 75 62 6c 69 63        # community "public"
  a2 21                          # GetResponse-PDU, 33 bytes
  02 04 12 34 56 78              # request-id (the request's)
  02 01 00 02 01 00              # no error
  30 13 30 11                    # variable bindings, one binding
  06 08 2b 06 01 02 01 01 01 00  # sysDescr.0
  04 05 4c 69 6e 75 78           # OCTET STRING "Linux"
`);

const SNMP_V1_TRAP = hex(`
  30 2b                          # SEQUENCE
  02 01 00                       # version 0 (v1)
  04 06 70 75 62 6c 69 63        # community "public"
  a4 1e                          # Trap-PDU (v1), 30 bytes
  06 08 2b 06 01 04 01 81 9a 2c  # enterprise OID
  40 04 c0 00 02 0a              # agent-addr 192.0.2.10
  02 01 06                       # generic-trap 6 (enterprise specific)
  02 01 01                       # specific-trap 1
  43 01 00                       # time-stamp 0
  30 00                          # no bindings
`);

const SNMP_V3_DISCOVERY = hex(`
  30 3e                          # SEQUENCE, 62 bytes
  02 01 03                       # version 3
  30 11                          # msgGlobalData
  02 04 00 00 12 34              # msgID
  02 03 00 ff e3                 # msgMaxSize 65507
  04 01 04                       # msgFlags: reportable, no auth, no priv
  02 01 03                       # msgSecurityModel 3 (USM)
  04 10 30 0e                    # msgSecurityParameters: USM, all empty (discovery)
  04 00 02 01 00 02 01 00 04 00 04 00 04 00
  30 14 04 00 04 00              # scopedPDU: contextEngineID, contextName empty
  a0 0e 02 04 12 34 56 78        # GetRequest, request-id
  02 01 00 02 01 00 30 00        # no error, no bindings
`);

const LDAP_BIND = hex(`
  30 0c                          # LDAPMessage SEQUENCE, 12 bytes
  02 01 01                       # messageID 1
  60 07                          # bindRequest [APPLICATION 0]
  02 01 03                       # version 3
  04 00                          # name "" (anonymous)
  80 00                          # simple authentication, empty
`);

const LDAP_BIND_RESPONSE = hex(`
  30 0c 02 01 01                 # LDAPMessage, messageID 1
  61 07                          # bindResponse [APPLICATION 1]
  0a 01 00                       # resultCode success
  04 00 04 00                    # matchedDN, diagnosticMessage
`);

/** As Active Directory clients write it (and CLDAP over UDP 389): 4-byte long-form lengths. */
const LDAP_SEARCH_LONG = hex(`
  30 84 00 00 00 2d              # LDAPMessage, long-form length 45
  02 01 05                       # messageID 5
  63 84 00 00 00 24              # searchRequest [APPLICATION 3], 36 bytes
  04 00                          # baseObject "" (the rootDSE)
  0a 01 00 0a 01 00              # scope base, derefAliases never
  02 01 00 02 01 00 01 01 00     # sizeLimit, timeLimit, typesOnly
  87 0b 6f 62 6a 65 63 74 63 6c 61 73 73  # filter: present "objectclass"
  30 84 00 00 00 00              # attributes: none
`);

const LDAP_SEARCH_DONE = hex(`
  30 84 00 00 00 10 02 01 05     # LDAPMessage, messageID 5
  65 84 00 00 00 07              # searchResDone [APPLICATION 5]
  0a 01 00 04 00 04 00           # resultCode success, matchedDN, diagnosticMessage
`);

const SIP_OPTIONS = b('OPTIONS sip:100@192.0.2.20 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1\r\nMax-Forwards: 70\r\nCall-ID: a84b4c76e66710\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');
const SIP_REGISTER = b('REGISTER sips:registrar.example.org SIP/2.0\r\nVia: SIP/2.0/TLS 192.0.2.10:5061\r\n\r\n');
const SIP_200 = b('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');

const TELNET_SERVER = hex(`
  ff fd 18                       # IAC DO TERMINAL-TYPE
  ff fd 20                       # IAC DO TERMINAL-SPEED
  ff fd 23                       # IAC DO X-DISPLAY-LOCATION
  ff fd 27                       # IAC DO NEW-ENVIRON
`);

const NBNS_QUERY = hex(`
  80 b0                          # transaction id
  01 10                          # opcode 0 (query), RD, broadcast
  00 01 00 00 00 00 00 00        # QDCOUNT 1
  20                             # name: 32 bytes, "WORKGROUP<00>" half-ASCII encoded
  46 48 45 50 46 43 45 4c 45 48 46 43 45 50 46 46
  46 41 43 41 43 41 43 41 43 41 43 41 43 41 41 41
  00                             # end of name (no scope)
  00 20 00 01                    # type NB, class IN
`);

const NBDS_BROWSE = hex(`
  11 02                          # direct group datagram, first fragment
  12 34                          # datagram id
  c0 00 02 0a 00 8a              # source 192.0.2.10 port 138
  00 50 00 00                    # datagram length, packet offset
  20                             # source name "FILESERVER<20>"
  45 47 45 4a 45 4d 45 46 46 44 45 46 46 43 46 47
  45 46 46 43 43 41 43 41 43 41 43 41 43 41 43 41
  00
  20                             # destination name "WORKGROUP<00>"
  46 48 45 50 46 43 45 4c 45 48 46 43 45 50 46 46
  46 41 43 41 43 41 43 41 43 41 43 41 43 41 41 41
  00
  ff 53 4d 42 25                 # SMB header starts (browser announcement)
`);

const NBSS_REQUEST = hex(`
  81 00 00 44                    # session request, 68 bytes
  20                             # called name "FILESERVER<20>"
  45 47 45 4a 45 4d 45 46 46 44 45 46 46 43 46 47
  45 46 46 43 43 41 43 41 43 41 43 41 43 41 43 41
  00
  20                             # calling name "CLIENT1<00>"
  45 44 45 4d 45 4a 45 46 45 4f 46 45 44 42 43 41
  43 41 43 41 43 41 43 41 43 41 43 41 43 41 41 41
  00
`);
const NBSS_POSITIVE = hex(`82 00 00 00   # positive session response`);

type Side = 'client' | 'server';
const FIXTURES: Array<[string, Side, 'tcp' | 'udp', Uint8Array]> = [
  ['ntp', 'client', 'udp', NTP_CLIENT],
  ['ntp', 'server', 'udp', NTP_SERVER],
  ['ntp', 'client', 'udp', NTP_V3_SYMMETRIC],
  ['ntp', 'server', 'udp', NTP_V3_SYMMETRIC],
  ['snmp', 'client', 'udp', SNMP_V2C_GET],
  ['snmp', 'server', 'udp', SNMP_V2C_RESPONSE],
  ['snmp', 'client', 'udp', SNMP_V1_TRAP],
  ['snmp', 'client', 'udp', SNMP_V3_DISCOVERY],
  ['ldap', 'client', 'tcp', LDAP_BIND],
  ['ldap', 'server', 'tcp', LDAP_BIND_RESPONSE],
  ['ldap', 'client', 'tcp', LDAP_SEARCH_LONG],
  ['ldap', 'client', 'udp', LDAP_SEARCH_LONG],
  ['ldap', 'server', 'udp', LDAP_SEARCH_DONE],
  ['sip', 'client', 'udp', SIP_OPTIONS],
  ['sip', 'client', 'tcp', SIP_OPTIONS],
  ['sip', 'client', 'tcp', SIP_REGISTER],
  ['sip', 'server', 'udp', SIP_200],
  ['sip', 'server', 'tcp', SIP_200],
  ['telnet', 'server', 'tcp', TELNET_SERVER],
  ['netbios-ns', 'client', 'udp', NBNS_QUERY],
  ['netbios-dgm', 'client', 'udp', NBDS_BROWSE],
  ['netbios-ssn', 'client', 'tcp', NBSS_REQUEST],
  ['netbios-ssn', 'server', 'tcp', NBSS_POSITIVE],
];

const on = (side: Side, bytes: Uint8Array, transport: 'tcp' | 'udp'): string | null =>
  (side === 'client' ? sniffClient(bytes, transport) : sniffServer(bytes, transport, true))?.proto ?? null;

describe('app protocols by payload: NTP, SNMP, LDAP, SIP, telnet, NetBIOS', () => {
  it.each(FIXTURES.map(([p, side, t, bytes], i) => [`${p} ${side} ${t} #${i}`, p, side, t, bytes] as const))('%s', (_n, proto, side, transport, bytes) => {
    expect(on(side, bytes, transport)).toBe(proto);
  });

  it('a whole exchange is named: NTP, SNMP, LDAP, SIP', () => {
    expect(sniff(NTP_CLIENT, NTP_SERVER, false, 'udp')?.proto).toBe('ntp');
    expect(sniff(SNMP_V2C_GET, SNMP_V2C_RESPONSE, false, 'udp')?.proto).toBe('snmp');
    expect(sniff(LDAP_BIND, LDAP_BIND_RESPONSE, false, 'tcp')?.proto).toBe('ldap');
    expect(sniff(SIP_OPTIONS, SIP_200, false, 'udp')?.proto).toBe('sip');
    expect(sniff(null, TELNET_SERVER, true, 'tcp')?.proto).toBe('telnet');
  });

  it('an NBNS query is NetBIOS, not DNS (it has a DNS-shaped header)', () => {
    expect(sniff(NBNS_QUERY, null, false, 'udp')?.proto).toBe('netbios-ns');
  });

  it('a SIP OPTIONS request over TCP is SIP, not HTTP; an HTTP OPTIONS request stays HTTP', () => {
    expect(sniffClient(SIP_OPTIONS, 'tcp')?.proto).toBe('sip');
    expect(sniffClient(b('OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'), 'tcp')?.proto).toBe('http');
    expect(sniffClient(b('OPTIONS sip:x SIP/1.0\r\n'), 'udp')).toBeNull();
  });

  it('a fixture read from the wrong side or transport is not taken for another protocol', () => {
    for (const [proto, , , bytes] of FIXTURES) {
      for (const side of ['client', 'server'] as const) {
        for (const t of ['tcp', 'udp'] as const) {
          const got = on(side, bytes, t);
          if (got !== null) expect(got, `${proto} read as ${side} ${t}`).toBe(proto);
        }
      }
    }
  });

  it('near misses are refused', () => {
    const ntp = Uint8Array.from(NTP_CLIENT);
    ntp[0] = 0x2b; // VN 5
    expect(sniffClient(ntp, 'udp')).toBeNull();
    ntp[0] = 0x24; // mode 4 from the client side
    expect(sniffClient(ntp, 'udp')).toBeNull();
    expect(sniffClient(NTP_CLIENT.subarray(0, 47), 'udp')).toBeNull(); // short
    expect(sniffServer(NTP_CLIENT, 'udp')).toBeNull(); // a request is not a reply
    const zeroXmit = Uint8Array.from(NTP_SERVER);
    zeroXmit.fill(0, 40, 48);
    expect(sniffServer(zeroXmit, 'udp')).toBeNull();
    const bigDelay = Uint8Array.from(NTP_SERVER);
    bigDelay[4] = 0x80;
    expect(sniffServer(bigDelay, 'udp')).toBeNull();

    const snmp = Uint8Array.from(SNMP_V2C_GET);
    snmp[4] = 0x02; // version 2 does not exist on the wire
    expect(sniffClient(snmp, 'udp')).toBeNull();
    expect(sniffServer(SNMP_V2C_GET, 'udp')).toBeNull(); // a GetRequest is not a reply
    expect(sniffClient(SNMP_V2C_RESPONSE, 'udp')).toBeNull();
    expect(sniffClient(Uint8Array.from([...SNMP_V2C_GET, 0, 0]), 'udp')).toBeNull(); // the message ends before the datagram
    expect(sniffClient(SNMP_V2C_GET.subarray(0, 30), 'udp')?.proto).toBe('snmp'); // cut by the bytes kept: still SNMP
    const badCommunity = Uint8Array.from(SNMP_V2C_GET);
    badCommunity[7] = 0x01;
    expect(sniffClient(badCommunity, 'udp')).toBeNull();
    const v3 = Uint8Array.from(SNMP_V3_DISCOVERY);
    v3[16] = 0x00; // msgMaxSize 00 00 e3 = 227 < 484
    expect(sniffClient(v3, 'udp')).toBeNull();

    const ldap = Uint8Array.from(LDAP_BIND);
    ldap[9] = 0x04; // LDAP version 4
    expect(sniffClient(ldap, 'tcp')).toBeNull();
    expect(sniffServer(LDAP_BIND, 'tcp')).toBeNull();
    expect(sniffClient(LDAP_BIND_RESPONSE, 'tcp')).toBeNull();

    expect(sniffClient(b('INVITE http://x SIP/2.0\r\n'), 'udp')).toBeNull();
    expect(sniffServer(b('SIP/2.0 999 Nope\r\n'), 'udp')).toBeNull();
    expect(sniffServer(hex('ff fd 18 41 42'), 'tcp')).toBeNull(); // one command, then not another
    expect(sniffServer(hex('ff fd 80 ff fd 20'), 'tcp')).toBeNull(); // option 128 is not registered
  });

  it('other protocols\u2019 payloads are not claimed by the new detectors', () => {
    const others: Array<[string, Uint8Array]> = [
      ['dns', b('\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03org\x00\x00\x01\x00\x01')],
      ['dns', b('\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x07example\x03org\x00\x00\x01\x00\x01')],
      ['http', b('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
      ['http', b('HTTP/1.1 200 OK\r\n\r\n')],
      ['ssh', b('SSH-2.0-OpenSSH_9.6\r\n')],
      ['redis', b('*1\r\n$4\r\nPING\r\n')],
      ['postgresql', b('\x00\x00\x00\x08\x04\xd2\x16\x2f')],
      ['rdp', b('\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x03\x00\x00\x00')],
      ['smb', b('\x00\x00\x00\x2f\xfeSMB\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00')],
    ];
    const NEW = new Set(['ntp', 'snmp', 'ldap', 'sip', 'telnet', 'netbios-ns', 'netbios-dgm', 'netbios-ssn']);
    for (const [proto, bytes] of others) {
      for (const side of ['client', 'server'] as const) {
        for (const t of ['tcp', 'udp'] as const) {
          const got = on(side, bytes, t);
          expect(got === null || !NEW.has(got), `${proto} read as ${side} ${t}: ${got}`).toBe(true);
        }
      }
    }
  });

  it('random bytes are never named by the new detectors, and nothing throws', () => {
    let seed = 0x5eed1234;
    const next = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const NEW = new Set(['ntp', 'snmp', 'ldap', 'sip', 'telnet', 'netbios-ns', 'netbios-dgm', 'netbios-ssn']);
    const claimed: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const buf = new Uint8Array(3 + Math.floor(next() * 160) * 4);
      for (let k = 0; k < buf.length; k++) buf[k] = Math.floor(next() * 256);
      // Half of them start like the protocols do, so the deeper checks are exercised.
      if (i % 2) buf[0] = [0x30, 0xe3, 0x24, 0xff, 0x81, 0x4f, 0x53][i % 7]!;
      for (const side of ['client', 'server'] as const) {
        for (const t of ['tcp', 'udp'] as const) {
          const got = on(side, buf, t);
          if (got && NEW.has(got)) claimed.push(`${got} ${side} ${t} ${Buffer.from(buf.subarray(0, 16)).toString('hex')}`);
        }
      }
    }
    expect(claimed).toEqual([]);
  });

  it('every prefix of every fixture is safe', () => {
    for (const [, , , bytes] of FIXTURES) {
      for (let cut = 0; cut <= bytes.length; cut++) {
        const part = bytes.subarray(0, cut);
        expect(() => sniff(part, part, true, 'udp')).not.toThrow();
        expect(() => sniff(part, part, true, 'tcp')).not.toThrow();
      }
    }
  });
});

const hit = (proto: 'tcp' | 'udp', port: number, service: string | null): ListenerHit => ({
  host: '198.51.100.20', port, proto, evidence: proto === 'tcp' ? 'handshake' : 'reply', confidence: 'certain', firstUs: 1_000_000, lastUs: 2_000_000, flows: 1, bytes: 100, service, talked: false,
});

describe('service names a capture gives the inventory', () => {
  it('a payload name is evidence; without one, the port table guesses (as the scanner does)', () => {
    expect(hitSighting(hit('tcp', 22, 'ssh'))).toMatchObject({ service: 'ssh', serviceMethod: 'evidence' });
    expect(hitSighting(hit('tcp', 22, null))).toMatchObject({ service: 'ssh', serviceMethod: 'table' });
    expect(hitSighting(hit('tcp', 53, null))).toMatchObject({ service: 'domain', serviceMethod: 'table' });
    expect(hitSighting(hit('tcp', 80, null))).toMatchObject({ service: 'http', serviceMethod: 'table' });
    expect(hitSighting(hit('tcp', 2222, 'ssh'))).toMatchObject({ service: 'ssh', serviceMethod: 'evidence' });
  });

  it('UDP: the picker\u2019s ports get a table name; 512-514/udp are not named from the TCP list', () => {
    expect(serviceName('udp', 123, null)).toEqual({ service: 'ntp', method: 'table' });
    expect(serviceName('udp', 161, null)).toEqual({ service: 'snmp', method: 'table' });
    expect(serviceName('udp', 53, null)).toEqual({ service: 'domain', method: 'table' });
    expect(serviceName('udp', 123, 'ntp')).toEqual({ service: 'ntp', method: 'evidence' });
    for (const port of [512, 513, 514, 137, 40000]) expect(serviceName('udp', port, null).service).toBeNull();
  });

  it('a bare 220 greeting is ftp on 21, smtp on 25 and 587, else stays ftp-or-smtp (evidence)', () => {
    expect(serviceName('tcp', 21, 'ftp-or-smtp')).toEqual({ service: 'ftp', method: 'evidence' });
    expect(serviceName('tcp', 587, 'ftp-or-smtp')).toEqual({ service: 'smtp', method: 'evidence' });
    expect(serviceName('tcp', 2121, 'ftp-or-smtp')).toEqual({ service: 'ftp-or-smtp', method: 'evidence' });
  });

  it('no name at all leaves the method unset', () => {
    const s = hitSighting(hit('tcp', 40123, null));
    expect(s.service).toBeNull();
    expect(s.serviceMethod).toBeUndefined();
  });

  it('through the flow table: a SYN scan\u2019s bare handshake on 22 is ssh (table), an NTP reply is ntp (evidence)', () => {
    const C = '192.0.2.10';
    const S = '198.51.100.20';
    const steps: Array<{ tcp: TcpSpec } | { udp: { src: string; dst: string; sport: number; dport: number; payload: Uint8Array } }> = [
      { tcp: { src: C, dst: S, sport: 40000, dport: 22, flags: 'S', seq: 100 } },
      { tcp: { src: S, dst: C, sport: 22, dport: 40000, flags: 'SA', seq: 900, ack: 101 } },
      { tcp: { src: C, dst: S, sport: 40000, dport: 22, flags: 'R', seq: 101 } },
      { udp: { src: C, dst: S, sport: 50123, dport: 123, payload: NTP_CLIENT } },
      { udp: { src: S, dst: C, sport: 123, dport: 50123, payload: NTP_SERVER } },
    ];
    const flows: FlowRecord[] = [];
    const table = new FlowTable({ onFlow: (f) => flows.push(f) });
    const p = newPacket();
    steps.forEach((s, i) => {
      const frame = 'tcp' in s ? tcpFrame(s.tcp) : udpBinary(s.udp);
      decodeFrame(1, frame, p);
      table.add(p, (i + 1) * 1000, frame.length);
    });
    const sightings = table.end().map(hitSighting);
    expect(sightings.map((s) => `${s.port}/${s.proto} ${s.service} ${s.serviceMethod}`).sort()).toEqual(['123/udp ntp evidence', '22/tcp ssh table']);
    expect(flows.find((f) => f.transport === 'udp')?.appProto).toBe('ntp');
  });
});
