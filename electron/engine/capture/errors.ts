/**
 * Why live capture cannot run, in words an analyst can act on: what is wrong and the
 * one command that fixes it. libpcap's own messages are kept in the text.
 */
import type { CaptureProblem } from '../../shared/capture';
import { grantCommand, privilegeFixFor, resolveHelper } from './helper';

export class CaptureError extends Error {
  override name = 'CaptureError';
  constructor(readonly problem: CaptureProblem) {
    super(`${problem.message} — fix: ${problem.fix}`);
  }
}

/** The fix for missing capture privileges on this machine: rights for the capture helper, never for the UI. */
export function privilegeFix(): string {
  return privilegeFixFor(resolveHelper());
}

export function libpcapFix(): string {
  if (process.platform === 'linux') return 'install libpcap (Debian/Ubuntu: sudo apt-get install libpcap0.8 libpcap-dev; Fedora: sudo dnf install libpcap-devel), then npm rebuild pcap';
  if (process.platform === 'darwin') return 'libpcap ships with macOS; rebuild the module: npm rebuild pcap';
  return 'install Npcap (https://npcap.com), then npm rebuild pcap';
}

/** Maps a message from the capture child (or spawning it) to a problem with its fix. */
export function classify(stage: 'load' | 'list' | 'open' | 'spawn', message: string, iface?: string): CaptureProblem {
  const m = message.trim();
  const helper = resolveHelper();
  if (/NODE_MODULE_VERSION/.test(m) && (helper.source === 'installed' || helper.source === 'env') && process.platform === 'linux') {
    // The helper is a copy of an older Node than the one the modules were built for.
    return { code: 'no-libpcap', message: `the capture helper ${helper.path} is a different Node version than the one Portolan's modules were built for (${m})`, fix: `copy the current Node to the helper again: ${grantCommand(helper, { copy: true })}` };
  }
  if (stage === 'spawn' && /EACCES|EPERM/.test(m)) {
    return { code: 'no-permission', message: `cannot run the capture helper ${helper.path} (${m})`, fix: privilegeFix() };
  }
  if (stage === 'load' || stage === 'spawn' || /libpcap\.so|cannot open shared object|Cannot find module|pcap_binding|NODE_MODULE_VERSION|invalid ELF/i.test(m)) {
    return { code: 'no-libpcap', message: `live capture is not available: libpcap or its Node binding could not be loaded (${m})`, fix: libpcapFix() };
  }
  if (/not permitted|permission|EPERM|EACCES|privilege|don't have permission/i.test(m)) {
    return { code: 'no-permission', message: `no permission to capture${iface ? ` on ${iface}` : ''} (${m})`, fix: privilegeFix() };
  }
  if (/no such device|doesn't exist|does not exist|No such device exists|SIOCGIF|not found|not up/i.test(m)) {
    return { code: 'no-interface', message: `cannot capture on ${iface ?? 'that interface'}: ${m}`, fix: 'pick an interface from `portolan capture --list` (or the Capture view), and check that it is up' };
  }
  return { code: 'failed', message: `live capture failed${iface ? ` on ${iface}` : ''}: ${m}`, fix: 'check the interface and the filter; `portolan capture --list` shows what this machine offers' };
}
