/**
 * The review queue's part of the contract: review actions, rules, a service's history,
 * a host, and the overview numbers. Schemas only (zod); no Node, no Electron.
 *
 * Status model (docs/inventory.md has the diagram):
 *   new ──approve──▶ approved        new ──flag──▶ flagged       new ──ignore──▶ ignored
 *   approved / flagged ──not seen for the gone period, or a later scan found it closed──▶ gone
 *   gone ──seen again──▶ the status it had before (a `returned` event)
 *   ignored ──its rule expired or was deleted──▶ new
 *   any reviewed status ──reopen──▶ new
 */
import { z } from './zod';
import { Proto, ServiceRow } from './model';
import { TEXT_MAX } from './limits';
import { hasUnsafeChars, INVISIBLE_MESSAGE, isInvisible, UNSAFE_MESSAGE } from './text';

/** A reason or owner: trimmed, never empty, one line of reasonable length. */
const Text = z
  .string()
  .trim()
  .min(1)
  .max(TEXT_MAX)
  .refine((s) => !hasUnsafeChars(s), UNSAFE_MESSAGE)
  .refine((s) => !isInvisible(s), INVISIBLE_MESSAGE);
/** ISO 8601 time with a zone (`2024-05-01T10:00:00Z`), or null. */
// A date first (Date.parse also takes '0' and '1' as years), a zone last, and before 10000.
const IsoTime = z.string().max(40).refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && /(Z|[+-]\d\d:?\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time with a zone, e.g. 2024-05-01T10:00:00Z');
/** IPv4 / IPv6 address text or CIDR; checked for real by the engine (ipaddr.js). */
const AddrText = z.string().trim().min(2).max(64).regex(/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/, 'must be an IP address or a CIDR subnet');

/**
 * What an analyst does to a service:
 * - `approve`: it has a business need (reason) and an accountable owner;
 * - `flag`: it should not be there (reason); stays visible until resolved;
 * - `ignore`: noise (reason, optional expiry); kept in the inventory but out of the queue;
 * - `reopen`: back to `new`, for another look.
 */
export const ReviewAction = z.enum(['approve', 'flag', 'ignore', 'reopen']);
export type ReviewAction = z.infer<typeof ReviewAction>;

/**
 * Every kind of history event. Besides the four review actions:
 * `seen` (first sighting), `gone`, `returned` (seen again after gone), `unignore`
 * (its ignore rule expired or was deleted), `control` / `control-cleared` (a
 * compensating-control note recorded or cleared; the status stays as it was).
 */
export const HistoryAction = z.enum(['seen', 'approve', 'flag', 'ignore', 'reopen', 'gone', 'returned', 'unignore', 'control', 'control-cleared']);
export type HistoryAction = z.infer<typeof HistoryAction>;

/** Narrows a set of services, server-side. Every field optional; all given must match. */
export const ServiceFilter = z
  .object({
    status: z.enum(['new', 'approved', 'flagged', 'gone', 'ignored', 'all', 'listening']).optional(),
    host: AddrText.optional(),
    /** CIDR, e.g. 198.51.100.0/24 or 2001:db8::/32. */
    subnet: AddrText.optional(),
    port: z.number().int().min(0).max(65535).optional(),
    proto: Proto.optional(),
    insecure: z.boolean().optional(),
    /** Only services Portolan first stored at or after this time. */
    since: IsoTime.optional(),
  })
  .strict();
export type ServiceFilter = z.infer<typeof ServiceFilter>;

export const ReviewApply = z
  .object({
    /** Service ids (from services.list), or a filter; exactly one of the two. */
    ids: z.array(z.number().int().min(1)).min(1).max(100_000).optional(),
    filter: ServiceFilter.optional(),
    action: ReviewAction,
    reason: Text,
    /** Required for `approve`: who answers for this service. */
    owner: Text.optional(),
    /** `ignore` only: when the ignore ends and the service returns to the queue. */
    expiresAt: IsoTime.nullable().optional(),
  })
  .strict()
  .refine((v) => (v.ids === undefined) !== (v.filter === undefined), { message: 'give either ids or a filter, not both', path: ['ids'] })
  .refine((v) => v.action !== 'approve' || v.owner !== undefined, { message: 'approve needs an owner', path: ['owner'] })
  .refine((v) => v.expiresAt == null || v.action === 'ignore', { message: 'only ignore takes an expiry', path: ['expiresAt'] });
export type ReviewApply = z.input<typeof ReviewApply>;

export const ReviewResult = z.object({
  /** Services whose status changed (or, for approve, whose justification was replaced). */
  changed: z.number().int(),
  /** Matched services the action does not apply to (e.g. approving a gone service). */
  skipped: z.number().int(),
  ids: z.array(z.number().int()),
});
export type ReviewResult = z.infer<typeof ReviewResult>;

/** One event of a service's append-only history. Times ISO 8601 UTC. */
export const HistoryEvent = z.object({
  id: z.number().int(),
  serviceId: z.number().int(),
  action: HistoryAction,
  from: z.string().nullable(),
  to: z.string(),
  reason: z.string().nullable(),
  owner: z.string().nullable(),
  /** A user name, `portolan` for the engine itself, or `rule:N` for a rule. */
  actor: z.string(),
  at: z.string(),
  /** An ignore's end as decided (ISO; the review's expiry or the rule's), null: no end or not an ignore. */
  until: z.string().nullable().optional(),
});
export type HistoryEvent = z.infer<typeof HistoryEvent>;

export const EvidenceEntry = z.object({
  source: z.string(),
  evidence: z.string(),
  confidence: z.string(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  flows: z.number().int(),
  bytes: z.number().int(),
});
export type EvidenceEntry = z.infer<typeof EvidenceEntry>;

export const ServiceHistory = z.object({
  service: ServiceRow,
  events: z.array(HistoryEvent),
  evidence: z.array(EvidenceEntry),
});
export type ServiceHistory = z.infer<typeof ServiceHistory>;

export const HostQuery = z.object({ host: AddrText }).strict();

export const HostDetail = z.object({
  host: z.string(),
  hostnames: z.array(z.string()),
  mac: z.string().nullable(),
  services: z.array(ServiceRow),
  /** Every service's events, newest first (at most 1000), with the service's key. */
  events: z.array(HistoryEvent.extend({ port: z.number().int(), proto: Proto })),
});
export type HostDetail = z.infer<typeof HostDetail>;

/**
 * A rule, applied when a service is first seen and, when saved, to every service then
 * waiting in the queue. `ignore` keeps matches out of the queue; `approve` approves them
 * with the rule's reason and owner (never an insecure service unless the rule names its
 * port). A rule with several fields matches only where all of them match.
 */
export const RuleKind = z.enum(['ignore', 'approve']);
export type RuleKind = z.infer<typeof RuleKind>;

export const RuleInput = z
  .object({
    id: z.number().int().min(1).optional(),
    kind: RuleKind,
    host: AddrText.nullable().optional(),
    subnet: AddrText.nullable().optional(),
    port: z.number().int().min(0).max(65535).nullable().optional(),
    proto: Proto.nullable().optional(),
    reason: Text,
    owner: Text.nullable().optional(),
    expiresAt: IsoTime.nullable().optional(),
  })
  .strict()
  .refine((r) => r.host != null || r.subnet != null || r.port != null, { message: 'a rule needs a host, a subnet or a port', path: ['host'] })
  .refine((r) => r.kind !== 'approve' || r.owner != null, { message: 'an approve rule needs an owner', path: ['owner'] });
export type RuleInput = z.input<typeof RuleInput>;

export const Rule = z.object({
  id: z.number().int(),
  kind: RuleKind,
  host: z.string().nullable(),
  subnet: z.string().nullable(),
  port: z.number().int().nullable(),
  proto: Proto.nullable(),
  reason: z.string(),
  owner: z.string().nullable(),
  expiresAt: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  /** Services this rule acted on, ever. */
  hits: z.number().int(),
  /** False once expired. */
  active: z.boolean(),
});
export type Rule = z.infer<typeof Rule>;

export const RuleSaved = z.object({ rule: Rule, applied: z.number().int() });
export const RuleDeleted = z.object({ id: z.number().int(), released: z.number().int() });

export const OverviewQuery = z.object({ days: z.number().int().min(1).max(366).default(30) }).strict().optional();

export const OverviewStats = z.object({
  counts: z.object({
    new: z.number().int(),
    approved: z.number().int(),
    flagged: z.number().int(),
    gone: z.number().int(),
    ignored: z.number().int(),
    insecure: z.number().int(),
    total: z.number().int(),
  }),
  /** Services first stored per UTC day, oldest first, one entry per day (zeros included). */
  newPerDay: z.array(z.object({ day: z.string(), n: z.number().int() })),
  hosts: z.number().int(),
});
export type OverviewStats = z.infer<typeof OverviewStats>;

/** A service in a `services.new` event: enough to write a notification line. */
export const NewService = z.object({
  id: z.number().int(),
  host: z.string(),
  port: z.number().int(),
  proto: Proto,
  service: z.string().nullable(),
  insecure: z.string().nullable(),
});
export type NewService = z.infer<typeof NewService>;

/** `services.new`: services that entered the queue; `total` may exceed `services.length` (capped at 100). */
export const NewServicesEvent = z.object({ services: z.array(NewService), total: z.number().int() });
export type NewServicesEvent = z.infer<typeof NewServicesEvent>;

