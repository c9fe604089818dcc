/** Ignore and auto-approve rules, as the engine keeps them (rules.list / save / delete). */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { toErrorInfo, type ErrorInfo, type Rule, type RuleInput } from '../../../electron/shared';
import { usePlatform } from '../platform/inject';

export const useRulesStore = defineStore('rules', () => {
  const { api } = usePlatform();
  const rules = shallowRef<Rule[]>([]);
  const loaded = ref(false);
  const error = ref<ErrorInfo | null>(null);
  const lastApplied = ref<number | null>(null);

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
      error.value = null;
      await reload();
      return true;
    } catch (err) {
      error.value = toErrorInfo(err);
      return false;
    }
  }

  async function remove(id: number): Promise<void> {
    try {
      await api.rules.remove(id);
      await reload();
    } catch (err) {
      error.value = toErrorInfo(err);
    }
  }

  return { rules, loaded, error, lastApplied, reload, save, remove };
});
