/**
 * What only the Electron side knows about an installed app, handed to the engine (which
 * never imports Electron): where the capture helper is, and the window icon.
 */
import { dirname, join } from 'node:path';
import { app } from 'electron';
import { setPackagedHelper } from '../engine/capture/helper';

/**
 * The window and taskbar icon on Linux and Windows (macOS uses the bundle's icon.icns).
 * resources/icon.png is packaged into app.asar (electron-builder.yml `files`), which
 * Electron reads like a folder; this file is bundled into out/main/index.js.
 */
export const WINDOW_ICON = join(__dirname, '..', '..', 'resources', 'icon.png');

/**
 * A packaged app on Linux captures through the helper compiled beside its executable
 * (build/after-pack.mjs; the .deb grants it the rights). On macOS and Windows the app's
 * own executable runs the capture child. In development the engine's defaults apply.
 */
export function wireCaptureHelper(): void {
  if (!app.isPackaged) return;
  setPackagedHelper(process.platform === 'linux' ? join(dirname(process.execPath), 'portolan-capture') : null);
}
