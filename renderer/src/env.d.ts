import type { PreloadApi } from './platform/types';

declare global {
  interface Window {
    /** Set by the Electron preload; absent when the page is served by `portolan serve`. */
    portolan?: PreloadApi;
  }
}

export {};
