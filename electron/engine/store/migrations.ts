/**
 * Numbered migrations, applied in order, each in its own transaction. Never edit one
 * that has shipped: add the next number. Column units are documented in docs/schema.md
 * and beside each column here.
 *
 * Time columns named `*_at` or `*_ms` are INTEGER milliseconds since the Unix epoch, UTC.
 * Time columns named `*_us` are INTEGER microseconds since the Unix epoch, UTC (packet time).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'foundation',
    sql: `
-- Long work: ingest, capture, scan. status: queued|running|done|failed|cancelled|interrupted.
CREATE TABLE jobs (
  id          TEXT PRIMARY KEY,        -- random id, shown to users
  kind        TEXT NOT NULL,           -- ingest | capture | scan
  status      TEXT NOT NULL,
  params_json TEXT NOT NULL,           -- the request that started it (JSON)
  progress_json TEXT,                  -- last progress {done,total,unit,message} (JSON)
  result_json TEXT,                    -- outcome counts (JSON)
  warnings_json TEXT NOT NULL DEFAULT '[]',
  error_json  TEXT,                    -- {name,message} when failed
  started_at  INTEGER NOT NULL,        -- ms
  ended_at    INTEGER                  -- ms, NULL while running
);

-- One row per capture source ingested: a file, or a live capture session.
CREATE TABLE captures (
  id          INTEGER PRIMARY KEY,
  job_id      TEXT REFERENCES jobs(id),
  source      TEXT NOT NULL,           -- file path, or "live:<interface>"
  file_sha256 TEXT,                    -- hex SHA-256 of the file; NULL for live
  file_bytes  INTEGER,                 -- file size, bytes
  format      TEXT,                    -- pcap | pcapng | live
  link_types  TEXT NOT NULL DEFAULT '',-- comma-separated link type numbers
  filter      TEXT NOT NULL DEFAULT '',-- protocol choice / BPF in force
  first_us    INTEGER,                 -- first packet, µs
  last_us     INTEGER,                 -- last packet, µs
  packets     INTEGER NOT NULL DEFAULT 0,
  bytes       INTEGER NOT NULL DEFAULT 0, -- wire bytes (original lengths)
  undecoded   INTEGER NOT NULL DEFAULT 0, -- packets that carried no usable TCP/UDP header
  flows       INTEGER NOT NULL DEFAULT 0,
  warnings_json TEXT NOT NULL DEFAULT '[]',
  status      TEXT NOT NULL,           -- running | complete | incomplete (cancelled/crashed)
  created_at  INTEGER NOT NULL         -- ms
);
CREATE UNIQUE INDEX captures_complete_sha ON captures(file_sha256) WHERE status = 'complete';

-- Flow records (Splunk Stream / CIM Network_Traffic names). src = originator.
CREATE TABLE flows (
  id          INTEGER PRIMARY KEY,
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  transport   TEXT NOT NULL,           -- tcp | udp
  src_ip      TEXT NOT NULL,
  src_port    INTEGER NOT NULL,
  dest_ip     TEXT NOT NULL,
  dest_port   INTEGER NOT NULL,
  start_us    INTEGER NOT NULL,        -- µs
  end_us      INTEGER NOT NULL,        -- µs
  packets_in  INTEGER NOT NULL,        -- packets src → dest
  packets_out INTEGER NOT NULL,        -- packets dest → src
  bytes_in    INTEGER NOT NULL,        -- wire bytes src → dest
  bytes_out   INTEGER NOT NULL,        -- wire bytes dest → src
  ack_packets_in  INTEGER NOT NULL,    -- dest's packets acknowledging src's payload
  ack_packets_out INTEGER NOT NULL,    -- src's packets acknowledging dest's payload
  syn         INTEGER NOT NULL,        -- SYN without ACK, both directions
  syn_ack     INTEGER NOT NULL,
  fin         INTEGER NOT NULL,
  rst         INTEGER NOT NULL,
  conn_state  TEXT NOT NULL,           -- Zeek conn_state (S0, SF, REJ, ...)
  history     TEXT NOT NULL,           -- Zeek-style history letters
  app_proto   TEXT,                    -- detected by payload, NULL if unknown
  vlan        TEXT NOT NULL DEFAULT '',-- VLAN ids outermost first, comma-separated
  direction_known INTEGER NOT NULL     -- 1 when SYN/SYN-ACK/first datagram fixed the direction
);
CREATE INDEX flows_capture ON flows(capture_id);
CREATE INDEX flows_dest ON flows(dest_ip, dest_port);

-- Active scans (connect scanner) and their per-port results.
CREATE TABLE scan_runs (
  id          INTEGER PRIMARY KEY,
  job_id      TEXT REFERENCES jobs(id),
  targets     TEXT NOT NULL,           -- as typed
  ports       TEXT NOT NULL,           -- as typed
  params_json TEXT NOT NULL,           -- timeout, concurrency, rate, retries
  started_by  TEXT NOT NULL,           -- user name
  source_addr TEXT,                    -- local address probes came from
  started_at  INTEGER NOT NULL,        -- ms
  ended_at    INTEGER,                 -- ms
  status      TEXT NOT NULL            -- running | complete | incomplete
);
CREATE TABLE probe_results (
  scan_id     INTEGER NOT NULL REFERENCES scan_runs(id) ON DELETE CASCADE,
  host        TEXT NOT NULL,
  port        INTEGER NOT NULL,
  proto       TEXT NOT NULL DEFAULT 'tcp',
  state       TEXT NOT NULL,           -- open | closed | filtered | error
  reason      TEXT NOT NULL,           -- syn-ack | conn-refused | timeout | host-unreach | ...
  rtt_us      INTEGER,                 -- connect round trip, µs
  banner      TEXT,                    -- first bytes the server sent (printable)
  probed_at   INTEGER NOT NULL,        -- ms
  PRIMARY KEY (scan_id, host, proto, port)
);

-- Imports of other tools' reports (nmap XML ...).
CREATE TABLE imports (
  id          INTEGER PRIMARY KEY,
  job_id      TEXT REFERENCES jobs(id),
  tool        TEXT NOT NULL,           -- nmap | masscan
  file        TEXT NOT NULL,
  args        TEXT,                    -- the tool's own command line
  scan_started_at INTEGER,             -- ms, the tool's own start time
  complete    INTEGER NOT NULL,        -- 0 when the file was cut off
  created_at  INTEGER NOT NULL         -- ms
);

-- The inventory: one row per (host, proto, port), nothing else in the key.
CREATE TABLE services (
  id          INTEGER PRIMARY KEY,
  host        TEXT NOT NULL,           -- IPv4 dotted quad or RFC 5952 IPv6
  host_key    TEXT NOT NULL,           -- 32 hex digits of the 128-bit address (IPv4 as ::ffff:a.b.c.d), for numeric sort
  proto       TEXT NOT NULL,           -- tcp | udp
  port        INTEGER NOT NULL,        -- 0..65535
  evidence    TEXT NOT NULL,           -- strongest held: handshake | reply | scan | import | data
  evidence_rank INTEGER NOT NULL,      -- rank of evidence (higher is stronger)
  confidence  TEXT NOT NULL,           -- certain | high | medium | low
  status      TEXT NOT NULL DEFAULT 'new', -- new | approved | flagged | gone
  service     TEXT,                    -- best service name (payload, banner, import)
  banner      TEXT,
  first_seen_ms INTEGER NOT NULL,      -- ms, earliest evidence time (packet or probe time)
  last_seen_ms  INTEGER NOT NULL,      -- ms, latest evidence time
  created_at  INTEGER NOT NULL,        -- ms, when Portolan first stored it ("new since")
  status_changed_at INTEGER NOT NULL,  -- ms
  UNIQUE (host, proto, port)
);
CREATE INDEX services_status ON services(status);
CREATE INDEX services_host_key ON services(host_key, proto, port);

-- Evidence per source for each service: which capture / scan / import saw it.
CREATE TABLE service_evidence (
  service_id  INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  source_kind TEXT NOT NULL,           -- capture | scan | import
  source_id   INTEGER NOT NULL,        -- captures.id | scan_runs.id | imports.id
  evidence    TEXT NOT NULL,
  confidence  TEXT NOT NULL,
  first_seen_ms INTEGER NOT NULL,      -- ms
  last_seen_ms  INTEGER NOT NULL,      -- ms
  flows       INTEGER NOT NULL DEFAULT 0, -- flows that showed it (capture)
  bytes       INTEGER NOT NULL DEFAULT 0, -- wire bytes of those flows
  PRIMARY KEY (service_id, source_kind, source_id, evidence)
);

-- Append-only review history: every status change (who, when, why).
CREATE TABLE reviews (
  id          INTEGER PRIMARY KEY,
  service_id  INTEGER NOT NULL REFERENCES services(id),
  action      TEXT NOT NULL,           -- seen | approve | flag | ignore | gone | returned
  status_from TEXT,
  status_to   TEXT NOT NULL,
  reason      TEXT,                    -- business justification / flag reason
  owner       TEXT,                    -- accountable owner (approve)
  actor       TEXT NOT NULL,           -- who did it (user name, or "portolan")
  at          INTEGER NOT NULL         -- ms
);
CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;

-- Sealed compliance snapshots: immutable once written.
CREATE TABLE snapshots (
  id          INTEGER PRIMARY KEY,
  taken_at    INTEGER NOT NULL,        -- ms
  taken_by    TEXT NOT NULL,
  note        TEXT NOT NULL DEFAULT '',
  scope       TEXT NOT NULL DEFAULT 'all',
  canonical_json TEXT NOT NULL,        -- the sealed canonical form
  sha256      TEXT NOT NULL,           -- hex seal: SHA-256 over the per-item hash list covering canonical_json (docs/snapshots.md)
  prev_sha256 TEXT                     -- the previous snapshot's seal (chain)
);
CREATE TRIGGER snapshots_no_update BEFORE UPDATE ON snapshots BEGIN SELECT RAISE(ABORT, 'snapshots are immutable'); END;
CREATE TRIGGER snapshots_no_delete BEFORE DELETE ON snapshots BEGIN SELECT RAISE(ABORT, 'snapshots are immutable'); END;
`,
  },
  {
    version: 2,
    name: 'connect scanner',
    sql: `
-- The connect scanner (docs/scanner.md). scan_runs gains what a run asked for and found;
-- status stays running | complete | incomplete (cancelled, failed or crashed: what was
-- stored before is kept). Counts are probes (one per address and port).
ALTER TABLE scan_runs ADD COLUMN excludes TEXT NOT NULL DEFAULT '';      -- exclusions as typed
ALTER TABLE scan_runs ADD COLUMN addresses TEXT NOT NULL DEFAULT '0';    -- distinct addresses after exclusions, decimal text (an IPv6 /64 does not fit an INTEGER)
ALTER TABLE scan_runs ADD COLUMN port_count INTEGER NOT NULL DEFAULT 0;  -- distinct ports per address
ALTER TABLE scan_runs ADD COLUMN probes_total INTEGER NOT NULL DEFAULT 0; -- addresses x ports (saturates at 2^53)
ALTER TABLE scan_runs ADD COLUMN probes_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scan_runs ADD COLUMN open INTEGER NOT NULL DEFAULT 0;        -- probes with state open
ALTER TABLE scan_runs ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scan_runs ADD COLUMN filtered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scan_runs ADD COLUMN errors INTEGER NOT NULL DEFAULT 0;      -- probes with state error (local failure, OS refusal)
ALTER TABLE scan_runs ADD COLUMN resolved_json TEXT NOT NULL DEFAULT '[]'; -- [{name, addresses}] and [{name, reason}] for names that did not resolve
ALTER TABLE scan_runs ADD COLUMN warnings_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE scan_runs ADD COLUMN started_host TEXT;                      -- machine the scan ran on (os.hostname)
-- source_addr (migration 1) holds the local addresses probes came from, comma-separated.

ALTER TABLE probe_results ADD COLUMN service TEXT;                       -- guess from the banner, else the port's usual name (open only)
ALTER TABLE probe_results ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1; -- connect attempts that counted (retries of silent ports)
CREATE INDEX probe_results_state ON probe_results(scan_id, state);

-- Per host of a run: counts by state, and a flag when the host looks wrong, e.g.
-- accepts-all: every port probed (8 or more) completed the handshake, as a proxy, tarpit
-- or firewall answering for the host does; its open ports are not fed to the inventory.
CREATE TABLE scan_hosts (
  scan_id     INTEGER NOT NULL REFERENCES scan_runs(id) ON DELETE CASCADE,
  host        TEXT NOT NULL,
  open        INTEGER NOT NULL,
  closed      INTEGER NOT NULL,
  filtered    INTEGER NOT NULL,
  errors      INTEGER NOT NULL,
  flag        TEXT,                    -- accepts-all | NULL
  PRIMARY KEY (scan_id, host)
);
`,
  },
  {
    version: 3,
    name: 'inventory review, rules, imports',
    sql: `
-- The current review, kept on the service row so lists need no join; the history in
-- reviews stays the record. status gains 'ignored'.
ALTER TABLE services ADD COLUMN prev_status TEXT;     -- status a gone service returns to when seen again
ALTER TABLE services ADD COLUMN insecure TEXT;        -- insecure protocol label (telnet, ftp, ...), NULL if none known
ALTER TABLE services ADD COLUMN reason TEXT;          -- current justification / flag / ignore / gone reason
ALTER TABLE services ADD COLUMN owner TEXT;           -- accountable owner (approved)
ALTER TABLE services ADD COLUMN reviewed_by TEXT;     -- who set the current status: user, portolan, or rule:N
ALTER TABLE services ADD COLUMN reviewed_at INTEGER;  -- ms
ALTER TABLE services ADD COLUMN rule_id INTEGER;      -- rules.id that ignored or approved it, if a rule did
ALTER TABLE services ADD COLUMN ignore_until INTEGER; -- ms, an ignore by review ends then (NULL: no end); rule ignores follow their rule
ALTER TABLE services ADD COLUMN hostnames TEXT NOT NULL DEFAULT ''; -- space-separated names of the host (imports)
ALTER TABLE services ADD COLUMN mac TEXT;             -- MAC address of the host, lower-case colon form (imports)
-- Indexes shaped like the list's filters and sorts (each ends in the host order used as
-- the tie-breaker), so a page of 100,000 services never sorts the whole table.
CREATE INDEX services_created ON services(created_at);
CREATE INDEX services_port ON services(port, host_key, proto);
CREATE INDEX services_status_host ON services(status, host_key, proto, port);
CREATE INDEX services_last_seen ON services(last_seen_ms, host_key);
CREATE INDEX services_first_seen ON services(first_seen_ms, host_key);
CREATE INDEX services_insecure ON services(insecure, host_key) WHERE insecure IS NOT NULL;
CREATE INDEX reviews_service ON reviews(service_id, at);

-- Ignore and auto-approve rules. Host / subnet are stored with the host_key range they
-- cover so matching is a range test. Deleted rules are kept (deleted_at) for the history.
CREATE TABLE rules (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,           -- ignore | approve
  host        TEXT,                    -- one address, as typed (normalised)
  subnet      TEXT,                    -- CIDR, normalised to its network address
  lo_key      TEXT,                    -- first host_key covered (NULL: any host)
  hi_key      TEXT,                    -- last host_key covered
  port        INTEGER,                 -- NULL: any port
  proto       TEXT,                    -- tcp | udp, NULL: both
  reason      TEXT NOT NULL,
  owner       TEXT,                    -- approve rules: the owner given to what they approve
  expires_at  INTEGER,                 -- ms; NULL never
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,        -- ms
  updated_at  INTEGER NOT NULL,        -- ms
  deleted_at  INTEGER                  -- ms; NULL while the rule exists
);

-- Inventory settings, e.g. gone_after_days.
CREATE TABLE inventory_settings (
  key         TEXT PRIMARY KEY,
  value       TEXT NOT NULL
);

-- nmap / masscan imports: the file's hash (a re-import of the same bytes is skipped)
-- and what it held.
ALTER TABLE imports ADD COLUMN file_sha256 TEXT;     -- hex SHA-256 of the file
ALTER TABLE imports ADD COLUMN scanner_version TEXT;
ALTER TABLE imports ADD COLUMN scan_ended_at INTEGER; -- ms, the tool's own end time (runstats), NULL if cut off
ALTER TABLE imports ADD COLUMN hosts INTEGER NOT NULL DEFAULT 0;      -- host elements read
ALTER TABLE imports ADD COLUMN open_ports INTEGER NOT NULL DEFAULT 0; -- open ports stored as services
ALTER TABLE imports ADD COLUMN warnings_json TEXT NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX imports_sha ON imports(file_sha256) WHERE file_sha256 IS NOT NULL;

-- Ports an imported report lists as closed (open ones become services): with the
-- scanner's probe_results they make an approved or flagged service gone.
CREATE TABLE import_ports (
  import_id   INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
  host        TEXT NOT NULL,
  proto       TEXT NOT NULL,
  port        INTEGER NOT NULL,
  state       TEXT NOT NULL,           -- closed (only closed is stored)
  reason      TEXT,                    -- the tool's reason, e.g. conn-refused, reset
  seen_at     INTEGER NOT NULL,        -- ms, the host's scan time
  PRIMARY KEY (import_id, host, proto, port)
);
CREATE INDEX import_ports_key ON import_ports(host, proto, port, seen_at);
CREATE INDEX IF NOT EXISTS probe_results_key ON probe_results(host, proto, port, probed_at);
`,
  },
  {
    version: 4,
    name: 'capture profiles, live capture, flow flags',
    sql: `
-- Named protocol choices (docs/capture.md): transports, app protocols, ignore list.
CREATE TABLE capture_profiles (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,    -- as the analyst typed it
  selection_json TEXT NOT NULL,        -- {transports, apps, ignore} (electron/shared/capture.ts)
  created_at  INTEGER NOT NULL,        -- ms
  updated_at  INTEGER NOT NULL         -- ms
);

-- Live captures and filtered ingests. captures.filter (migration 1) holds the BPF in force.
ALTER TABLE captures ADD COLUMN interface TEXT;          -- live: interface name; NULL for files
ALTER TABLE captures ADD COLUMN selection_json TEXT;     -- protocol choice in force; NULL: everything
ALTER TABLE captures ADD COLUMN profile TEXT;            -- capture profile name the choice came from
ALTER TABLE captures ADD COLUMN kernel_drops INTEGER;    -- live: packets the kernel dropped (ps_drop)
ALTER TABLE captures ADD COLUMN if_drops INTEGER;        -- live: packets the interface or driver dropped (ps_ifdrop)
ALTER TABLE captures ADD COLUMN app_drops INTEGER;       -- live: packets dropped because Portolan fell behind
ALTER TABLE captures ADD COLUMN filtered_out INTEGER NOT NULL DEFAULT 0; -- packets the protocol choice left out (files)
-- A file may be ingested once per protocol choice; an unfiltered ingest covers every choice.
DROP INDEX captures_complete_sha;
CREATE UNIQUE INDEX captures_complete_sha_filter ON captures(file_sha256, filter) WHERE status = 'complete';

ALTER TABLE flows ADD COLUMN server_name TEXT;           -- TLS SNI the client asked for, NULL if none
ALTER TABLE flows ADD COLUMN flags TEXT NOT NULL DEFAULT ''; -- comma-separated: synack-bad-ack (no SYN-ACK acknowledged the SYN)

-- Hosts that answered SYN-ACK on an implausible share of probed ports (SYN proxy,
-- tarpit): their bare-handshake ports are counted here instead of listed as services.
CREATE TABLE answering_hosts (
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  host        TEXT NOT NULL,
  proto       TEXT NOT NULL,           -- tcp
  probed_ports INTEGER NOT NULL,       -- distinct ports that received a SYN
  answered_ports INTEGER NOT NULL,     -- of those, ports that answered SYN-ACK
  collapsed_ports INTEGER NOT NULL,    -- answered ports left out of the inventory (no conversation on them)
  first_us    INTEGER NOT NULL,        -- µs
  last_us     INTEGER NOT NULL,        -- µs
  PRIMARY KEY (capture_id, host, proto)
);
`,
  },
  {
    version: 5,
    name: 'host tags and compensating controls',
    sql: `
-- Scope tags an analyst puts on hosts ("CDE", "BES Cyber System"); snapshots can be
-- scoped by them (tag:CDE) and list them per host.
CREATE TABLE host_tags (
  host        TEXT NOT NULL,           -- address as stored in services.host
  tag         TEXT NOT NULL,           -- as typed; matched case-insensitively
  added_by    TEXT NOT NULL,
  added_at    INTEGER NOT NULL,        -- ms
  PRIMARY KEY (host, tag)
);
-- For an insecure protocol that must stay (PCI DSS 1.2.6): the security feature that
-- compensates, e.g. "telnet only from the jump host, VLAN 20 ACL".
ALTER TABLE services ADD COLUMN compensating_control TEXT;
`,
  },
  {
    version: 6,
    name: 'job owners',
    sql: `
-- Which process runs a job, so start-up recovery marks only jobs whose process is dead
-- as interrupted (another live process sharing the file keeps its running jobs).
ALTER TABLE jobs ADD COLUMN owner_pid INTEGER;   -- OS process id
ALTER TABLE jobs ADD COLUMN owner_host TEXT;     -- host name the process ran on
`,
  },
  {
    version: 7,
    name: 'service name method',
    sql: `
-- How services.service was found: 'evidence' (a banner, payload sniffing, nmap
-- method="probed") or 'table' (the port's usual name: our port list, nmap method="table").
-- A name from evidence replaces a table guess; NULL for rows stored before (a name equal
-- to the port list's name counts as a table guess then). See docs/inventory.md.
ALTER TABLE services ADD COLUMN service_method TEXT;
`,
  },
  {
    version: 8,
    name: 'flows without the destination index',
    sql: `
-- No query reads flows by destination (they are listed by capture and id; services and
-- their evidence carry the per-port view), and keeping this index cost a quarter of every
-- flow's insert: a text key in random order, 90,000 of them per million packets.
DROP INDEX IF EXISTS flows_dest;
`,
  },
  {
    version: 9,
    name: 'flows stored in batches',
    sql: `
-- Flow records are written a batch at a time, one row per batch: a JSON array of flows,
-- each an array of the flow's fields in the order of the \`flows\` view's columns after
-- capture_id. A row per flow cost SQLite about 4 µs of its thread per flow (24 values
-- picked out of JSON, then inserted), which on a big capture was as long as decoding it;
-- a batch costs it one value. Flows are numbered per database: a batch's flows take the
-- ids first_id, first_id + 1, ... in order. The \`flows\` view below shows one row per
-- flow with the columns the table had (see migration 1 for their units). JSON text, not
-- JSONB, so any SQLite with JSON support (3.38 and later) can read the view.
CREATE TABLE flow_batches (
  id          INTEGER PRIMARY KEY,
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  first_id    INTEGER NOT NULL UNIQUE,  -- id of the batch's first flow
  count       INTEGER NOT NULL,         -- flows in the batch (ids first_id .. first_id + count - 1)
  rows        TEXT NOT NULL             -- JSON array of flows, fields in the view's column order after capture_id
);
CREATE INDEX flow_batches_capture ON flow_batches(capture_id);
-- The flows stored so far, renumbered in their order, 5000 to a batch.
INSERT INTO flow_batches (capture_id, first_id, count, rows)
  SELECT capture_id, MIN(n), COUNT(*), json_group_array(json_array(transport, src_ip, src_port, dest_ip, dest_port, start_us, end_us, packets_in, packets_out, bytes_in, bytes_out, ack_packets_in, ack_packets_out, syn, syn_ack, fin, rst, conn_state, history, app_proto, vlan, direction_known, server_name, flags) ORDER BY n)
  FROM (SELECT *, ROW_NUMBER() OVER (ORDER BY capture_id, id) AS n FROM flows)
  GROUP BY capture_id, (n - 1) / 5000;
DROP TABLE flows;
CREATE VIEW flows AS SELECT
  b.first_id + j.key AS id,
  b.capture_id AS capture_id,
  j.value ->> 0 AS transport,
  j.value ->> 1 AS src_ip,
  j.value ->> 2 AS src_port,
  j.value ->> 3 AS dest_ip,
  j.value ->> 4 AS dest_port,
  j.value ->> 5 AS start_us,
  j.value ->> 6 AS end_us,
  j.value ->> 7 AS packets_in,
  j.value ->> 8 AS packets_out,
  j.value ->> 9 AS bytes_in,
  j.value ->> 10 AS bytes_out,
  j.value ->> 11 AS ack_packets_in,
  j.value ->> 12 AS ack_packets_out,
  j.value ->> 13 AS syn,
  j.value ->> 14 AS syn_ack,
  j.value ->> 15 AS fin,
  j.value ->> 16 AS rst,
  j.value ->> 17 AS conn_state,
  j.value ->> 18 AS history,
  j.value ->> 19 AS app_proto,
  j.value ->> 20 AS vlan,
  j.value ->> 21 AS direction_known,
  j.value ->> 22 AS server_name,
  j.value ->> 23 AS flags
FROM flow_batches b, json_each(b.rows) j;
`,
  },
  {
    version: 10,
    name: 'ignore end in the review history',
    sql: `
-- An ignore event records until when it holds (ms; NULL: no end, and on every other
-- event), so the history says "ignored until …" as it was decided: the review's expiry,
-- or the rule's when a rule ignored it. The services row keeps the one in force.
ALTER TABLE reviews ADD COLUMN until INTEGER;
`,
  },
];
