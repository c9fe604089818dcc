/** Ignore and auto-approve rules, as the engine keeps them (rules.list / save / delete). */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { toErrorInfo, type ErrorInfo, type Rule, type RuleInput } from '../../../electron/shared';
import { usePlatform } from '../platform/inject';

/** The rule form's fields by the contract's names, for messages that name a field. */
const FIELD_LABEL: Readonly<Record<string, string>> = {
  host: 'Host or subnet',
  subnet: 'Host or subnet',
  port: 'Port',
  proto: 'Protocol',
  reason: 'Reason',
  owner: 'Owner',
  expiresAt: 'Expires',
};

/**
 * An error of rules.save in words: the contract's checks end their message with the
 * field's path ("must be an IP address or a CIDR subnet at host"), which means nothing
 * to the analyst; the field's label goes in front instead ("Host or subnet: must be…").
 */
export function ruleErrorInfo(err: unknown): ErrorInfo {
  const info = toErrorInfo(err);
  const m = / at ([A-Za-z]+)(?:\.[\w.]+)?$/.exec(info.message);
  if (!m) return info;
  const label = FIELD_LABEL[m[1]!];
  const text = info.message.slice(0, m.index);
  return { name: info.name, message: label ? `${label}: ${text}` : text };
}

/** What the last change did, for the panel's status line: one at a time, the newest wins. */
export type RuleNotice = { kind: 'saved'; applied: number } | { kind: 'deleted'; id: number; released: number };

export const useRulesStore = defineStore('rules', () => {
  const { api } = usePlatform();
  const rules = shallowRef<Rule[]>([]);
  const loaded = ref(false);
  const error = ref<ErrorInfo | null>(null);
  /** Services the last saved rule applied to in the queue (null once something else happened). */
  const lastApplied = ref<number | null>(null);
  const notice = ref<RuleNotice | null>(null);

  async function reload(): Promise<void> {
    try {
      rules.value = await api.rules.list();
      loaded.value = true;
      error.value = null;
    } catch (err) {
      error.value = toErrorInfo(err);
    }
  }

  async function save(input: RuleInput): Promise<boolean> {
    try {
      const r = await api.rules.save(input);
      lastApplied.value = r.applied;
      notice.value = { kind: 'saved', applied: r.applied };
      error.value = null;
      await reload();
      return true;
    } catch (err) {
      error.value = ruleErrorInfo(err);
      return false;
    }
  }

  /** Deletes a rule (kept by the engine for the history); the services it ignored return to the queue. */
  async function remove(id: number): Promise<boolean> {
    try {
      const r = await api.rules.remove(id);
      lastApplied.value = null;
      notice.value = { kind: 'deleted', id: r.id, released: r.released };
      error.value = null;
      await reload();
      return true;
    } catch (err) {
      error.value = toErrorInfo(err);
      return false;
    }
  }

  return { rules, loaded, error, lastApplied, notice, reload, save, remove };
});
