/** Keyboard focus helpers shared by the modal dialogs. */

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), a[href], [tabindex="0"]';

/** Tab and Shift+Tab go round `container`'s own controls (a modal dialog over the page). */
export function trapTab(container: HTMLElement, ev: KeyboardEvent): void {
  const all = [...container.querySelectorAll<HTMLElement>(FOCUSABLE)];
  if (!all.length) return;
  const first = all[0]!;
  const last = all[all.length - 1]!;
  if (ev.shiftKey && document.activeElement === first) {
    ev.preventDefault();
    last.focus();
  } else if (!ev.shiftKey && document.activeElement === last) {
    ev.preventDefault();
    first.focus();
  }
}
