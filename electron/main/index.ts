/**
 * Electron glue only: app lifecycle, the locked window, IPC registration. Every handler
 * delegates to the engine, which knows nothing about Electron.
 */
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, Notification, session, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { REQUEST_CHANNELS } from '../shared/contract';
import { EVENT_NAMES, IPC_CHOOSE_CAPTURES, IPC_INGEST_DROPPED, IPC_PREFIX } from '../shared/api';
import { IngestDropped } from '../shared/drop';
import { Engine } from '../engine/engine';
import { NotificationGrouper } from '../engine/inventory/notify';
import { handle } from './handle';
import { WINDOW_ICON, wireCaptureHelper } from './packaged';

let engine: Engine | null = null;
let win: BrowserWindow | null = null;
/** Capture files the user picked in a native dialog or dropped on the window: the only paths IPC may ingest. */
const granted = new Set<string>();

const rendererUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(__dirname, '../renderer/index.html')).href;

function isTrusted(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  if (!win || !frame || event.sender !== win.webContents || frame !== win.webContents.mainFrame) return false;
  return new URL(frame.url).origin === new URL(rendererUrl).origin && frame.url.startsWith(rendererUrl.replace(/index\.html$/, ''));
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Portolan',
    icon: WINDOW_ICON,
    show: false,
    webPreferences: {
      // Electronegativity asks for a manual review of every preload (PRELOAD_JS_CHECK). Reviewed:
      // it runs sandboxed with context isolation and exposes only the contract's domain API
      // (no generic invoke, no ipcRenderer, no Node); see electron/preload/index.ts.
      preload: join(__dirname, '../preload/index.js'), // eng-disable PRELOAD_JS_CHECK
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webviewTag: false,
      spellcheck: false,
      // A middle click opens nothing (lockWebContents denies new windows as well).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  w.once('ready-to-show', () => w.show());
  void w.loadURL(rendererUrl);
  return w;
}

/** The app's own page: the built renderer's index.html (file://), or the dev server's origin. */
function isAppUrl(url: string): boolean {
  try {
    const target = new URL(url);
    const own = new URL(rendererUrl);
    if (own.protocol === 'file:') return target.protocol === 'file:' && target.pathname === own.pathname;
    return target.origin === own.origin;
  } catch {
    return false;
  }
}

/**
 * Every web contents is locked: no new windows (the UI links nowhere outside itself, so
 * nothing is handed to the system browser either), no navigation or redirect away from the
 * app's own page, no webviews.
 */
function lockWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

function registerIpc(e: Engine): void {
  for (const channel of REQUEST_CHANNELS) {
    handle(channel, isTrusted, async (input) => {
      if (channel === 'ingest.start') {
        const paths = (input as { paths?: unknown } | null)?.paths;
        if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string' || !granted.has(p))) {
          throw Object.assign(new Error('only files chosen in the file dialog can be ingested'), { name: 'PathNotGranted' });
        }
      }
      return e.handle(channel, input);
    });
  }
  handle(IPC_CHOOSE_CAPTURES.slice(IPC_PREFIX.length), isTrusted, async () => {
    const opts = {
      title: 'Import capture files',
      properties: ['openFile', 'multiSelections'] as Array<'openFile' | 'multiSelections'>,
      filters: [
        { name: 'Packet captures', extensions: ['pcap', 'pcapng', 'cap', 'dmp'] },
        { name: 'All files', extensions: ['*'] },
      ],
    };
    const picked = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    if (picked.canceled || picked.filePaths.length === 0) return null;
    for (const p of picked.filePaths) granted.add(p);
    return e.startIngest(picked.filePaths);
  });
  // Dropped files: the preload sends only paths of files in the user's last real (trusted)
  // drop (electron/preload/drop-ledger.ts); here they must still be absolute capture paths.
  handle(IPC_INGEST_DROPPED.slice(IPC_PREFIX.length), isTrusted, async (input) => {
    const { paths } = IngestDropped.parse(input);
    if (paths.some((p) => !isAbsolute(p))) throw Object.assign(new Error('a dropped file must have an absolute path'), { name: 'PathNotGranted' });
    for (const p of paths) granted.add(p);
    return e.startIngest(paths);
  });
  // Every event of the contract (the Scan view lives on scan.progress and scan.results).
  for (const event of EVENT_NAMES) {
    e.on(event, (payload) => win?.webContents.send(IPC_PREFIX + event, payload));
  }
  registerNotifications(e);
}

/**
 * New services → one desktop notification per burst (grouped and throttled by the
 * engine's NotificationGrouper), and the dock / launcher badge with the queue's size.
 * Clicking the notification shows the New ports view.
 */
function registerNotifications(e: Engine): void {
  const grouper = new NotificationGrouper((n) => {
    if (!Notification.isSupported()) return;
    const note = new Notification({ title: n.title, body: n.body, silent: false });
    note.on('click', () => {
      if (!win) return;
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
      void win.webContents.executeJavaScript("location.hash = '#/new-ports'").catch(() => undefined);
    });
    note.show();
  });
  e.on('services.new', (payload) => grouper.add(payload));
  const badge = () =>
    void e.handle('overview.stats', { days: 1 }).then(
      (s) => app.setBadgeCount(s.counts.new),
      () => undefined,
    );
  e.on('services.changed', badge);
  badge();
  app.on('before-quit', () => grouper.dispose());
}

app.enableSandbox();

app.whenReady().then(async () => {
  // Deny every permission request (camera, notifications-by-web-API, geolocation, ...).
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  // Captures run through the packaged app's capture helper, never with this process's rights.
  wireCaptureHelper();
  const dbPath = process.env.PORTOLAN_DB || join(app.getPath('userData'), 'portolan.db');
  try {
    engine = await Engine.open({ dbPath, transport: 'electron' });
  } catch (err) {
    dialog.showErrorBox('Portolan cannot open its database', (err as Error).message);
    app.exit(1);
    return;
  }
  registerIpc(engine);
  win = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
  });
}, (err: unknown) => {
  console.error(err);
  app.exit(1);
});

app.on('web-contents-created', (_e, contents) => lockWebContents(contents));

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('before-quit', (ev) => {
  if (quitting || !engine) return;
  ev.preventDefault();
  quitting = true;
  void engine.close().finally(() => app.quit());
});
