/**
 * The insecure-protocol mark of a service in a snapshot (PCI DSS 1.2.6): the inventory's
 * own `insecure` label when the column exists (migration 3), else the same classifier
 * applied now. A compensating-control note is recorded when the schema has one
 * (`compensating_control`); otherwise it is null and the report shows the approval's
 * justification beside it.
 */
import { insecureLabel } from '../inventory/insecure';
import type { Proto } from '../../shared/model';
import { strOrNull, type Row } from './rows';
import type { Insecure } from './types';

export function insecureOf(s: Row): Insecure | null {
  const label = 'insecure' in s ? strOrNull(s.insecure) : insecureLabel(String(s.proto) as Proto, Number(s.port), strOrNull(s.service));
  if (!label) return null;
  return { protocol: label, compensatingControl: strOrNull(s.compensating_control) };
}
