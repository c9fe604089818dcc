/** The transport's state as a ref, for the status line in the sidebar. */
import { onBeforeUnmount, ref } from 'vue';
import { usePlatform } from '../platform/inject';

export function useConnection() {
  const { connection, kind } = usePlatform();
  const state = ref(connection.state());
  const off = connection.onChange((s) => (state.value = s));
  onBeforeUnmount(off);
  return { state, kind };
}
