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
  sha256      TEXT NOT NULL,           -- hex SHA-256 of canonical_json
  prev_sha256 TEXT                     -- the previous snapshot's seal (chain)
);
CREATE TRIGGER snapshots_no_update BEFORE UPDATE ON snapshots BEGIN SELECT RAISE(ABORT, 'snapshots are immutable'); END;
CREATE TRIGGER snapshots_no_delete BEFORE DELETE ON snapshots BEGIN SELECT RAISE(ABORT, 'snapshots are immutable'); END;
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
];
