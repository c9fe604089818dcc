/**
 * `portolan tags add TAG HOST|CIDR...`, `tags remove TAG HOST|CIDR...`, `tags list`:
 * scope tags on hosts ("CDE", "BES Cyber System"), used by `snapshot save --scope tag:T`.
 * A CIDR block names every inventory host inside it at that moment. Tags match
 * case-insensitively (`cde` is `CDE`); addresses are read as every other command reads
 * them (IPv4 only as a dotted quad, no zone id, ::ffff:a.b.c.d/N as the IPv4 block).
 */
import { defaultActor } from '../../inventory/service';
import { addTag, hostsNamed, listTags, removeTag, sameTag, TagError } from '../../inventory/tags';
import { appendAll, openEngine, parseCommandLine, UsageError } from '../common';
import { writeList } from '../listing';

export async function cmdTags(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({ args, allowPositionals: true, options: { db: { type: 'string' }, format: { type: 'string', default: 'table' } } });
  const [sub, tag, ...targets] = positionals;
  if (!sub || !['add', 'remove', 'list'].includes(sub)) throw new UsageError("tags needs 'add TAG HOST|CIDR...', 'remove TAG HOST|CIDR...' or 'list'");
  if (sub !== 'list' && (!tag || targets.length === 0)) throw new UsageError(`tags ${sub} needs a tag and at least one host or CIDR block`);
  if (!['table', 'tsv', 'json'].includes(values.format)) throw new UsageError('--format must be table, tsv or json');
  const engine = await openEngine(values.db, sub === 'list' ? 'read' : 'write');
  try {
    if (sub === 'list') {
      const rows = await listTags(engine.db);
      if (values.format === 'json') process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      // A table with a header, as every other listing (tsv columns unchanged).
      else writeList(values.format as 'table' | 'tsv', ['host', 'tag', 'added_by', 'added_at'], rows.map((r) => ({ host: r.host, tag: r.tag, added_by: r.addedBy, added_at: r.addedAt })), 'no tags');
      return 0;
    }
    const named: string[] = [];
    for (const t of targets) appendAll(named, await hostsNamed(engine.db, t));
    // A host named twice (by address and by a block holding it) is one host.
    const hosts = [...new Set(named)];
    if (!hosts.length) {
      process.stderr.write('portolan: error: no inventory host in the blocks given\n');
      return 1;
    }
    // The tag as stored: a tag keeps its first spelling (`cde` after `CDE` is `CDE`).
    const stored = (await listTags(engine.db)).find((r) => sameTag(r.tag, tag!.trim()))?.tag ?? tag!.trim();
    const n = sub === 'add' ? await addTag(engine.db, tag!, hosts, defaultActor()) : await removeTag(engine.db, tag!, hosts);
    process.stdout.write(`${sub === 'add' ? 'tagged' : 'untagged'} ${n} of ${hosts.length} host${hosts.length === 1 ? '' : 's'} (${stored})\n`);
    if (sub === 'add') {
      // An address is tagged before it is ever seen (a scope set up ahead), but a typo tags
      // nothing real and a tag:NAME snapshot would quietly leave the real host out: say so.
      const seen = new Set((await engine.db.query<{ host: string }>('SELECT DISTINCT host FROM services WHERE host IN (SELECT value FROM json_each(?))', [JSON.stringify(hosts)])).map((r) => r.host));
      const unseen = hosts.filter((h) => !seen.has(h));
      if (unseen.length) process.stderr.write(`portolan: warning: not in the inventory (yet): ${unseen.slice(0, 5).join(', ')}${unseen.length > 5 ? ` and ${unseen.length - 5} more` : ''}; tagged anyway, in the scope once seen (check for a typo)\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof TagError) throw new UsageError(err.message);
    throw err;
  } finally {
    await engine.close();
  }
}
