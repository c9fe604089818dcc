/**
 * `portolan control HOST:PORT/PROTO... --note TEXT`: records the compensating control of
 * a service (PCI DSS 1.2.6: an insecure protocol that must stay, and what makes up for
 * it). `--note ''` clears it. Every change is an event in the service's history. A note on
 * a service not marked insecure is recorded too, with a warning on stderr.
 */
import { Engine } from '../../engine';
import { defaultActor } from '../../inventory/service';
import { setControl, TagError } from '../../inventory/tags';
import { dbPath, parseCommandLine, UsageError } from '../common';
import { parseServiceKey } from '../inventory-args';

export async function cmdControl(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({ args, allowPositionals: true, options: { db: { type: 'string' }, note: { type: 'string' } } });
  if (!positionals.length) throw new UsageError('control needs at least one HOST:PORT/PROTO');
  if (values.note === undefined) throw new UsageError("control needs --note TEXT (or --note '' to clear it)");
  const keys = positionals.map(parseServiceKey);
  const engine = await Engine.open({ dbPath: dbPath(values.db) });
  let missing = 0;
  try {
    for (const k of keys) {
      const row = await engine.db.get<{ id: number }>('serviceFind', [k.host, k.proto, k.port]);
      const label = `${k.host.includes(':') ? `[${k.host}]` : k.host}:${k.port}/${k.proto}`;
      if (!row) {
        process.stderr.write(`portolan: error: ${label} is not in the inventory\n`);
        missing++;
        continue;
      }
      const changed = await setControl(engine.db, row.id, values.note, defaultActor());
      if (changed && values.note.trim()) {
        // PCI DSS 1.2.6 asks for controls on insecure services; a note elsewhere is kept, but say so.
        const mark = (await engine.db.query<{ insecure: string | null }>('SELECT insecure FROM services WHERE id = ?', [row.id]))[0];
        if (!mark?.insecure) process.stderr.write(`portolan: warning: ${label} is not marked insecure; the compensating control is recorded anyway\n`);
      }
      process.stdout.write(`${label}: ${changed ? (values.note.trim() ? 'compensating control recorded' : 'compensating control cleared') : 'unchanged'}\n`);
    }
    return missing ? 1 : 0;
  } catch (err) {
    if (err instanceof TagError) throw new UsageError(err.message);
    throw err;
  } finally {
    await engine.close();
  }
}
