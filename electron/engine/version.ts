/** Portolan's version, recorded in snapshots and shown in the app. Keep in step with package.json. */
export const VERSION = '0.1.0';
