/**
 * Service names: a name from evidence (a banner, payload sniffing, nmap method="probed")
 * beats a port-table guess (ours or nmap's method="table"), whichever arrives first
 * (docs/inventory.md). A telnet greeting (option negotiation, or a login prompt) is
 * telnet. Real listeners on 127.0.0.1, a real SQLite file, nmap XML written here.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { importOne } from '../../../electron/engine/importers/import';
import { recordSightings } from '../../../electron/engine/inventory/inventory';
import { bannerService, guessServiceMethod } from '../../../electron/engine/scan/banner';
import { captureId, freshDb, sight } from './support';

const dir = mkdtempSync(join(tmpdir(), 'portolan-svcname-'));
const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

async function greeter(greeting: Buffer): Promise<number> {
  const s = createServer((c) => {
    c.on('error', () => undefined);
    c.write(greeting);
  });
  servers.push(s);
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  return (s.address() as { port: number }).port;
}

/** An nmap -oX report of one port on one host, service named by `method`. */
function nmapXml(host: string, port: number, name: string, method: 'table' | 'probed'): string {
  const file = join(dir, `nmap-${port}-${name}-${method}.xml`);
  writeFileSync(
    file,
    `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -sT -sV ${host}" start="1709280000" version="7.94" xmloutputversion="1.05">
<host starttime="1709280000" endtime="1709280100"><status state="up"/><address addr="${host}" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="${port}"><state state="open" reason="syn-ack"/><service name="${name}" method="${method}" conf="${method === 'table' ? 3 : 10}"/></port></ports>
</host>
<runstats><finished time="1709280400"/></runstats>
</nmaprun>
`,
  );
  return file;
}

describe('telnet greetings', () => {
  it('option negotiation (IAC DO/WILL) and a login prompt are telnet, from evidence', () => {
    expect(bannerService(Buffer.from([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20]))).toBe('telnet');
    expect(bannerService(Buffer.from('Welcome to telnetd\r\nlogin: '))).toBe('telnet');
    expect(bannerService(Buffer.from('Ubuntu 22.04 LTS\r\nrouter1 login:'))).toBe('telnet');
    expect(guessServiceMethod(Buffer.from('SSH-2.0-x\r\n'), 2323)).toEqual({ service: 'ssh', method: 'evidence' });
    expect(guessServiceMethod(null, 23)).toEqual({ service: 'telnet', method: 'table' });
    expect(guessServiceMethod(Buffer.from('hello\r\n'), 18080)).toEqual({ service: 'http-alt', method: 'table' });
  });
});

describe('evidence beats a port-table guess', () => {
  it('a scanned telnet banner is kept over nmap\'s table guess, and marked insecure', async () => {
    const port = await greeter(Buffer.from('Welcome to telnetd\r\nlogin: '));
    const engine = await Engine.open({ dbPath: join(dir, 'telnet.db') });
    try {
      const started = await engine.handle('scan.start', { targets: '127.0.0.1', ports: String(port), bannerWaitMs: 500 });
      expect((await engine.jobs.wait(started.jobId)).status).toBe('done');
      const row = () => engine.db.query<{ service: string; insecure: string | null }>('SELECT service, insecure FROM services WHERE port = ?', [port]);
      expect((await row())[0]).toMatchObject({ service: 'telnet', insecure: 'telnet' });
      await importOne(engine.db, nmapXml('127.0.0.1', port, '3d-nfsd', 'table'), null);
      expect((await row())[0]).toMatchObject({ service: 'telnet', insecure: 'telnet' });
    } finally {
      await engine.close();
    }
  });

  it('nmap\'s table guess first, then a banner: the banner\'s name replaces it', async () => {
    const db = await freshDb();
    await importOne(db, nmapXml('192.0.2.23', 2323, '3d-nfsd', 'table'), null);
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '192.0.2.23', port: 2323, service: 'telnet', serviceMethod: 'evidence' })]));
    expect((await db.query<{ service: string; insecure: string | null }>('SELECT service, insecure FROM services WHERE port = 2323'))[0]).toEqual({ service: 'telnet', insecure: 'telnet' });
  });

  it('our port-table guess (http-alt) gives way to nmap\'s probed name (http); a later table guess changes nothing', async () => {
    const db = await freshDb();
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '192.0.2.80', port: 18080, service: 'http-alt', serviceMethod: 'table' })]));
    await importOne(db, nmapXml('192.0.2.80', 18080, 'http', 'probed'), null);
    const name = async () => (await db.query<{ service: string }>('SELECT service FROM services WHERE port = 18080'))[0]!.service;
    expect(await name()).toBe('http');
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '192.0.2.80', port: 18080, service: 'http-alt', serviceMethod: 'table' })]));
    expect(await name()).toBe('http');
    // Two names from evidence: the first stays (a later report does not flip it back and forth).
    await importOne(db, nmapXml('192.0.2.80', 18080, 'http-proxy', 'probed'), null);
    expect(await name()).toBe('http');
  });
});
