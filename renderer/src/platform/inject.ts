/** Hands the platform to stores and components through Vue's provide/inject. */
import { inject, type InjectionKey } from 'vue';
import type { Platform } from './types';

export const PlatformKey: InjectionKey<Platform> = Symbol('portolan.platform');

/** For setup stores and components; the app provides it in main.ts, tests via mount/app. */
export function usePlatform(): Platform {
  const platform = inject(PlatformKey, null);
  if (!platform) throw new Error('no Platform provided (app.provide(PlatformKey, …))');
  return platform;
}
