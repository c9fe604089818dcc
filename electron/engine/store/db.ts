/**
 * SQLite through the `sqlite3` package, promisified. One connection per process, WAL,
 * foreign keys on, a busy timeout so the app and the CLI can share one file. Statements
 * are named (see statements.ts) and prepared once; the renderer never sends SQL.
 * Writes that belong together go through `tx()`, which serialises transactions on this
 * connection so two jobs never interleave inside one.
 */
import { lstatSync, mkdirSync, readlinkSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import sqlite3 from 'sqlite3';
import { canWrite, fileProblem } from '../files';
import { MIGRATIONS } from './migrations';
import { STATEMENTS, type StatementName } from './statements';
import { userDataDir } from './paths';

export type Params = Record<string, unknown> | unknown[];

/**
 * The default location (the user-data folder) is created on first use; any other
 * folder must already exist, so a mistyped `--db` path is an error instead of a new,
 * empty inventory that reports "no services".
 */
function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false; // missing, or a path through a file (ENOTDIR): named by the checks after
  }
}

function prepareFolder(path: string): void {
  // A device, FIFO or folder is not a database: SQLite would write a journal beside it
  // (/dev/null-journal) before failing with "disk I/O error".
  let self;
  try {
    self = statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new StoreError(`cannot use the database ${path}: ${fileProblem(err)}`);
    self = undefined; // ENOTDIR, EACCES: named below or by the open
  }
  // A link to a file in a folder that does not exist: SQLite would say only "unable to
  // open database file". (A link to a missing file in an existing folder is created.)
  if (!self && isLink(path)) {
    const target = resolve(dirname(resolve(path)), readlinkSync(path));
    if (!statSync(dirname(target), { throwIfNoEntry: false })?.isDirectory()) throw new StoreError(`cannot use the database ${path}: it is a symbolic link to ${target}, whose folder does not exist`);
  }
  if (self && !self.isFile()) throw new StoreError(`cannot use the database ${path}: ${self.isDirectory() ? 'it is a folder' : 'not a regular file (a device, pipe or socket)'}`);
  const dir = dirname(resolve(path));
  let st;
  try {
    st = statSync(dir, { throwIfNoEntry: false });
  } catch (err) {
    throw new StoreError(`cannot create the database ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOTDIR' ? `${dir} is not a folder` : (err as Error).message}`);
  }
  if (st?.isDirectory()) return;
  if (st) throw new StoreError(`cannot create the database ${path}: ${dir} is not a folder`);
  if (resolve(dir) !== resolve(userDataDir())) throw new StoreError(`cannot create the database ${path}: the folder ${dir} does not exist`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create the folder for the database ${path}: ${(err as Error).message}`);
  }
}

function openReader(path: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const r = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      r.configure('busyTimeout', 60000);
      resolve(r);
    });
  });
}

export class StoreError extends Error {
  override name = 'StoreError';
}

/**
 * Refuses a database whose schema_migrations names a version above the highest this code
 * knows: a newer Portolan wrote it, and this one would read columns it does not know
 * about wrongly and write rows that break the newer code's invariants.
 */
function refuseNewer(path: string, applied: ReadonlySet<number>): void {
  let known = 0;
  for (const m of MIGRATIONS) if (m.version > known) known = m.version;
  let newest = 0;
  for (const v of applied) if (v > newest) newest = v;
  if (newest > known) throw new StoreError(`the database ${path} was written by a newer Portolan (schema version ${newest}; this one knows up to ${known}): update Portolan`);
}

/** Tables and views of some other application in a database without Portolan's schema. */
const FOREIGN_TABLES = `SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`;

/**
 * A SQLite file that holds another application's tables (a browser's history, a
 * password store) and no Portolan schema is refused before anything is written: a
 * mistyped --db must not add twenty tables to someone else's database.
 */
function refuseForeign(path: string, tables: ReadonlyArray<{ name: string }>): void {
  if (!tables.length) return;
  const names = tables.slice(0, 3).map((t) => t.name).join(', ');
  throw new StoreError(`the database ${path} belongs to another application (tables ${names}${tables.length > 3 ? ', …' : ''}; no Portolan schema): give Portolan a file of its own`);
}

export interface RunResult {
  lastID: number;
  changes: number;
}

export class Db {
  private prepared = new Map<StatementName, sqlite3.Statement>();
  private txTail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly raw: sqlite3.Database,
    readonly path: string,
    /** Opened with OPEN_READONLY: every write fails, nothing was migrated. */
    readonly readOnly = false,
  ) {}

  /**
   * Opens (creating if needed) the database at `path` and runs pending migrations.
   * `readOnly`: opens an existing file for reading only (a read-only file, folder or
   * mount): no migrations, and a schema older than this code's is an error.
   */
  static async open(path: string, opts: { readOnly?: boolean } = {}): Promise<Db> {
    if (opts.readOnly) return Db.openReadOnly(path);
    if (path !== ':memory:') prepareFolder(path);
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(path, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, (err) =>
        err ? reject(new StoreError(`cannot open the database ${path}: ${err.message}`)) : resolve(d),
      );
    });
    const db = new Db(raw, path);
    try {
      // Long ingests hold the write lock for seconds; other processes wait rather than fail.
      await db.exec('PRAGMA busy_timeout = 60000');
      // Before any setting or migration is written: a newer schema is left exactly as it is.
      const applied = await db.appliedVersions();
      refuseNewer(path, applied);
      if (applied.size === 0) refuseForeign(path, await db.query<{ name: string }>(FOREIGN_TABLES));
      await db.exec('PRAGMA foreign_keys = ON');
      if (path !== ':memory:') await db.exec('PRAGMA journal_mode = WAL');
      await db.exec('PRAGMA synchronous = NORMAL');
      await db.migrate();
      // Opened after the migrations, so it sees the schema; without it, reads share the main one.
      if (path !== ':memory:') db.reader = await openReader(path).catch(() => null);
    } catch (err) {
      await db.close().catch(() => undefined);
      if (err instanceof StoreError) throw err; // already names the database and the cause
      const code = (err as { code?: string }).code;
      // SQLite says only "unable to open database file" when it cannot create the -wal
      // or -shm file beside the database (a read-only folder or mount): name the cause.
      if ((code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY') && !(canWrite(path) && canWrite(dirname(path)))) {
        throw new StoreError(`cannot write to the database ${path}: ${canWrite(path) ? 'its folder' : 'the file'} cannot be written (read-only file, folder or mount)`);
      }
      const msg = (err as Error).message;
      throw new StoreError(`cannot use the database ${path}: ${msg}`);
    }
    return db;
  }

  /**
   * A WAL database opened read-only still needs its -shm file: in a folder that cannot
   * be written, where it does not exist, SQLite refuses every read. Then the file is
   * opened as immutable (no locks, no -shm): safe there, as no writer can exist without
   * creating a -wal file in that same folder.
   */
  private static async openReadOnly(path: string): Promise<Db> {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) throw new StoreError(`cannot open the database ${path}: no such file`);
    if (!st.isFile()) throw new StoreError(`cannot open the database ${path}: not a regular file`);
    const connect = (name: string, flags: number): Promise<sqlite3.Database> =>
      new Promise((resolve, reject) => {
        const d = new sqlite3.Database(name, flags, (err) => (err ? reject(new StoreError(`cannot open the database ${path}: ${err.message}`)) : resolve(d)));
      });
    const versions = (d: sqlite3.Database): Promise<Set<number>> =>
      new Promise((resolve, reject) => d.all('SELECT version FROM schema_migrations', (err: Error | null, rows: Array<{ version: number }>) => (err ? reject(err) : resolve(new Set(rows.map((r) => r.version))))));
    let raw = await connect(path, sqlite3.OPEN_READONLY);
    let applied: Set<number>;
    try {
      applied = await versions(raw);
    } catch (err) {
      if (/no such table: schema_migrations/.test((err as Error).message)) {
        const tables = await new Promise<Array<{ name: string }>>((resolve) => raw.all(FOREIGN_TABLES, (e: Error | null, rows: Array<{ name: string }>) => resolve(e ? [] : rows)));
        await new Promise<void>((resolve) => raw.close(() => resolve()));
        refuseForeign(path, tables);
        throw new StoreError(`cannot read the database ${path}: it has no Portolan schema yet (open it once with write access)`);
      }
      await new Promise<void>((resolve) => raw.close(() => resolve()));
      const code = (err as { code?: string }).code;
      if (code !== 'SQLITE_READONLY' && code !== 'SQLITE_CANTOPEN') throw new StoreError(`cannot read the database ${path}: ${(err as Error).message}`);
      const uri = `file:${resolve(path).split('/').map(encodeURIComponent).join('/')}?immutable=1`;
      raw = await connect(uri, sqlite3.OPEN_READONLY | sqlite3.OPEN_URI);
      try {
        applied = await versions(raw);
      } catch (err2) {
        await new Promise<void>((resolve) => raw.close(() => resolve()));
        throw new StoreError(`cannot read the database ${path}: ${(err2 as Error).message}`);
      }
    }
    try {
      refuseNewer(path, applied);
    } catch (err) {
      await new Promise<void>((resolve) => raw.close(() => resolve()));
      throw err;
    }
    const db = new Db(raw, path, true);
    const missing = MIGRATIONS.filter((m) => !applied.has(m.version)).map((m) => m.version);
    if (missing.length) {
      await db.close().catch(() => undefined);
      throw new StoreError(
        `the database ${path} was written by an older Portolan (schema lacks migration ${missing.join(', ')}) and cannot be upgraded because it cannot be written: open it once with write access, or read it with that older version`,
      );
    }
    await db.exec('PRAGMA busy_timeout = 60000');
    return db;
  }

  /**
   * A write the file system refuses (read-only file, full disk) is named in words, with
   * the database's path; other errors pass unchanged (callers match constraint errors).
   */
  private explain(err: Error): Error {
    const code = (err as { code?: string }).code;
    const why = code === 'SQLITE_READONLY' ? (this.readOnly ? 'it was opened read-only (it cannot be written)' : 'the file is read-only') : code === 'SQLITE_FULL' ? 'the disk is full' : null;
    return why ? new StoreError(`cannot write to the database ${this.path}: ${why}`) : err;
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.raw.exec(sql, (err) => (err ? reject(this.explain(err)) : resolve())));
  }

  private stmt(name: StatementName): sqlite3.Statement {
    let s = this.prepared.get(name);
    if (!s) {
      s = this.raw.prepare(STATEMENTS[name]);
      this.prepared.set(name, s);
    }
    return s;
  }

  run(name: StatementName, params: Params = []): Promise<RunResult> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- sqlite3 reports lastID through `this`
    const self = this;
    return new Promise((resolve, reject) =>
      this.stmt(name).run(params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(self.explain(err));
        else resolve({ lastID: this.lastID, changes: this.changes });
      }),
    );
  }

  /**
   * First row of a named statement. The statement is reset afterwards: sqlite3 leaves a
   * stepped statement open, so a second `get` without parameters would continue with
   * the next row, and an open statement pins a read snapshot.
   */
  get<T>(name: StatementName, params: Params = []): Promise<T | undefined> {
    const stmt = this.stmt(name);
    return new Promise((resolve, reject) =>
      stmt.get(params, (err: Error | null, row: T) => {
        stmt.reset(() => (err ? reject(err) : resolve(row)));
      }),
    );
  }

  all<T>(name: StatementName, params: Params = []): Promise<T[]> {
    return new Promise((resolve, reject) => this.stmt(name).all(params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows))));
  }

  /**
   * Runs a query built from fixed fragments (list views with a chosen sort column).
   * Callers pass only whitelisted SQL text; every value goes in `params`.
   */
  query<T>(sql: string, params: Params = []): Promise<T[]> {
    return new Promise((resolve, reject) => this.raw.all(sql, params, (err: Error | null, rows: T[]) => (err ? reject(this.explain(err)) : resolve(rows))));
  }

  /** Runs `fn` inside BEGIN IMMEDIATE … COMMIT, rolled back if it throws. Serialised. */
  tx<T>(fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      await this.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn();
        await this.exec('COMMIT');
        return out;
      } catch (err) {
        await this.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    };
    const result = this.txTail.then(run, run);
    this.txTail = result.catch(() => undefined);
    return result;
  }

  /** The migrations recorded in the file; none when it has no schema_migrations yet (a new file). */
  private async appliedVersions(): Promise<Set<number>> {
    const rows = await this.query<{ version: number }>('SELECT version FROM schema_migrations').catch((err: Error) => {
      if (/no such table/.test(err.message)) return [];
      throw err;
    });
    return new Set(rows.map((r) => r.version));
  }

  private async migrate(): Promise<void> {
    await this.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    // Apply every migration not yet recorded, in version order (not only those above the
    // highest applied: numbers are handed out ahead and may land out of order).
    const applied = await new Promise<Set<number>>((resolve, reject) =>
      this.raw.all('SELECT version FROM schema_migrations', (err: Error | null, rows: Array<{ version: number }>) => (err ? reject(err) : resolve(new Set(rows.map((r) => r.version))))),
    );
    for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await this.exec('BEGIN IMMEDIATE');
      try {
        await this.exec(m.sql);
        await new Promise<void>((resolve, reject) =>
          this.raw.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()], (err) => (err ? reject(err) : resolve())),
        );
        await this.exec('COMMIT');
      } catch (err) {
        await this.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
  }

  private reader: sqlite3.Database | null = null;
  /**
   * A read for a list view, outside any transaction, through a second, read-only
   * connection: in WAL mode it sees the latest commit and never queues behind the writes
   * a capture or a sweep keeps making on the main connection. `:memory:` has one connection.
   * Never for a read that must see the caller's own transaction.
   */
  read<T>(sql: string, params: Params = []): Promise<T[]> {
    if (!this.reader) return this.query<T>(sql, params);
    return new Promise((resolve, reject) => this.reader!.all(sql, params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows))));
  }

  /** Serialises readConsistent: one read transaction at a time on the reader. */
  private readChain: Promise<unknown> = Promise.resolve();

  /**
   * Runs `fn` with the reader inside one read transaction, so every `read()` it makes sees
   * the same commit: a list read in pages (an export) can neither repeat nor miss rows
   * while a capture or an import writes. Other reads made meanwhile see that commit too.
   */
  async readConsistent<T>(fn: () => Promise<T>): Promise<T> {
    const reader = this.reader;
    if (!reader) return fn();
    const exec = (sql: string): Promise<void> => new Promise((resolve, reject) => reader.exec(sql, (err: Error | null) => (err ? reject(err) : resolve())));
    const run = async (): Promise<T> => {
      await exec('BEGIN');
      try {
        return await fn();
      } finally {
        await exec('COMMIT').catch(() => exec('ROLLBACK').catch(() => undefined));
      }
    };
    const result = this.readChain.then(run, run);
    this.readChain = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = null;
    if (reader) await new Promise<void>((resolve) => reader.close(() => resolve()));
    for (const s of this.prepared.values()) await new Promise<void>((resolve) => s.finalize(() => resolve()));
    this.prepared.clear();
    await new Promise<void>((resolve, reject) => this.raw.close((err) => (err ? reject(err) : resolve())));
  }
}
