/**
 * The report's stylesheet: a sober audit document on A4, readable on screen and in print.
 * Kept apart from the template so the template stays about content.
 */
export const REPORT_CSS = `
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
:root { --ink: #1b2430; --muted: #5b6675; --rule: #d5dbe3; --band: #f3f5f8; --accent: #1f4e79; --ok: #1e6b3a; --warn: #9a5b00; --bad: #a12622; }
* { box-sizing: border-box; }
html { background: #fff; }
body { margin: 0 auto; max-width: 190mm; padding: 10mm 0 14mm; color: var(--ink); font: 10pt/1.45 "Noto Sans", "Helvetica Neue", Arial, sans-serif; }
.mono, code, td.mono { font-family: "Noto Sans Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 8.6pt; }
header.cover { border-bottom: 3px solid var(--accent); padding-bottom: 6mm; margin-bottom: 6mm; }
.kicker { text-transform: uppercase; letter-spacing: .12em; font-size: 8pt; color: var(--accent); font-weight: 700; margin: 0 0 2mm; }
h1 { font-size: 20pt; line-height: 1.2; margin: 0 0 1mm; font-weight: 700; }
.subtitle { margin: 0 0 5mm; color: var(--muted); font-size: 11pt; }
h2 { font-size: 13.5pt; color: var(--accent); border-bottom: 1px solid var(--rule); padding-bottom: 1.5mm; margin: 9mm 0 3mm; break-after: avoid; }
h3 { font-size: 11pt; margin: 6mm 0 2mm; break-after: avoid; }
h4 { font-size: 9.5pt; margin: 3mm 0 1.5mm; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; }
p { margin: 0 0 2.5mm; }
.muted { color: var(--muted); }
dl.meta { display: grid; grid-template-columns: 38mm 1fr; gap: 1.2mm 4mm; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 3mm; margin: 3mm 0 4mm; }
.tile { border: 1px solid var(--rule); border-radius: 2mm; padding: 3mm; background: var(--band); break-inside: avoid; }
.tile .n { font-size: 18pt; font-weight: 700; line-height: 1.1; }
.tile .l { font-size: 8pt; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.tile.warn .n { color: var(--warn); } .tile.bad .n { color: var(--bad); } .tile.ok .n { color: var(--ok); }
table { width: 100%; border-collapse: collapse; margin: 2mm 0 4mm; font-size: 8.8pt; }
caption { text-align: left; font-weight: 700; padding: 0 0 1.5mm; font-size: 9pt; }
th, td { text-align: left; vertical-align: top; padding: 1.4mm 2mm; border-bottom: 1px solid var(--rule); overflow-wrap: break-word; word-break: normal; }
.nw { white-space: nowrap; }
table.inv { table-layout: fixed; }
table.inv col:nth-child(1) { width: 8%; }
table.inv col:nth-child(2) { width: 9%; }
table.inv col:nth-child(3) { width: 9%; }
table.inv col:nth-child(4) { width: 9%; }
table.inv col:nth-child(5) { width: 15%; }
table.inv col:nth-child(6) { width: 12%; }
table.inv col:nth-child(7) { width: 22%; }
table.inv col:nth-child(8) { width: 16%; }
table.inv td.t { font-size: 7.8pt; }
td .wrap { overflow-wrap: anywhere; }
thead th { background: var(--band); border-bottom: 1.5px solid #b9c2ce; font-size: 8pt; text-transform: uppercase; letter-spacing: .04em; color: #3b4757; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.hostrow td { background: #eef2f7; font-weight: 700; border-top: 1.5px solid #b9c2ce; }
.badge { display: inline-block; padding: 0 1.6mm; border-radius: 1mm; font-size: 7.8pt; font-weight: 700; letter-spacing: .03em; text-transform: uppercase; border: 1px solid currentColor; white-space: nowrap; }
.s-approved { color: var(--ok); } .s-new { color: var(--warn); } .s-flagged { color: var(--bad); } .s-gone, .s-ignored { color: var(--muted); }
.st-complete { color: var(--ok); } .st-partial { color: var(--accent); } .st-attention { color: var(--warn); } .st-empty { color: var(--muted); }
.control { border: 1px solid var(--rule); border-left: 4px solid var(--accent); border-radius: 1.5mm; padding: 3mm 4mm 1mm; margin: 0 0 4mm; }
.control .head, .control h3, .control p { break-after: avoid; }
.control.attention { border-left-color: var(--warn); }
.control.complete { border-left-color: var(--ok); }
.control.partial { border-left-color: var(--accent); }
.control .head { display: flex; justify-content: space-between; gap: 4mm; align-items: baseline; }
.control .cid { font-weight: 700; color: var(--accent); }
.control ul { margin: 1mm 0 2mm 5mm; padding: 0; }
.seal { border: 1.5px solid var(--accent); border-radius: 2mm; padding: 4mm; background: #f6f9fc; break-inside: avoid; }
.seal .hash { font-family: "Noto Sans Mono", "DejaVu Sans Mono", monospace; font-size: 9.5pt; overflow-wrap: anywhere; font-weight: 700; }
.note { border-left: 3px solid var(--rule); padding: 1mm 3mm; color: #333; white-space: pre-wrap; overflow-wrap: anywhere; }
.empty { color: var(--muted); font-style: italic; }
footer.end { margin-top: 10mm; border-top: 1px solid var(--rule); padding-top: 2mm; font-size: 8pt; color: var(--muted); }
@media print { body { padding: 0; max-width: none; } h2 { break-before: auto; } .pagebreak { break-before: page; } }
`;
