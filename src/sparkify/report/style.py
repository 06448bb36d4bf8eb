"""The report's stylesheet, inlined into the page: system fonts only, light and dark themes."""

from __future__ import annotations

CSS = """
:root {
  color-scheme: light dark;
  --bg: #f5f6f8; --card: #ffffff; --text: #1b2330; --muted: #566070; --border: #e1e5eb;
  --accent: #3f6fd1; --accent-strong: #1d4aa8; --link: #1d4aa8;
  --gridline: #e9ecf1; --axis: #9aa3b0;
  --paid: #3f6fd1; --free: #f0a73a; --matched: #1c9a6a; --unmatched: #cdd3dc;
  --ok: #17753f; --ok-bg: #e2f3e9; --fail: #b42323; --fail-bg: #fbe6e6;
  --warn: #8a5300; --warn-bg: #fdf0d9; --info: #3d4a5c; --info-bg: #e9edf3;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #12161c; --card: #1b2129; --text: #e6e9ee; --muted: #a3adba; --border: #2c3440;
    --accent: #6f9cf2; --accent-strong: #a7c3ff; --link: #a7c3ff;
    --gridline: #29313c; --axis: #5d6878;
    --paid: #6f9cf2; --free: #f0b45a; --matched: #3cc08c; --unmatched: #4a5462;
    --ok: #6fd69b; --ok-bg: #173626; --fail: #ff8a8a; --fail-bg: #3d1c1c;
    --warn: #f3c06b; --warn-bg: #3a2c12; --info: #c3ccd8; --info-bg: #27303b;
  }
}
*, *::before, *::after { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "Liberation Sans", sans-serif;
  -webkit-text-size-adjust: 100%;
}
.page { max-width: 1200px; margin: 0 auto; padding: 28px 20px 48px; }
header h1 { font-size: 1.8rem; line-height: 1.2; margin: 0 0 .35rem; }
.lede { font-size: 1.1rem; margin: 0; }
.meta { color: var(--muted); font-size: .85rem; margin: .3rem 0 0; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .8rem; }
h3 { font-size: 1rem; margin: 0; }
.kpis {
  list-style: none; padding: 0; margin: 1.4rem 0 0; display: grid; gap: 12px;
  grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
}
.kpi {
  background: var(--card); border: 1px solid var(--border); border-radius: 10px;
  padding: 12px 14px;
}
.kpi-label {
  display: block; font-size: .75rem; font-weight: 600; letter-spacing: .05em;
  text-transform: uppercase; color: var(--muted);
}
.kpi-value {
  display: block; font-size: 1.65rem; font-weight: 650; line-height: 1.25;
  font-variant-numeric: tabular-nums;
}
.kpi-note { display: block; font-size: .85rem; color: var(--muted); }
.kpi.ok .kpi-value { color: var(--ok); }
.kpi.fail .kpi-value { color: var(--fail); }
.grid {
  display: grid; gap: 16px;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 470px), 1fr)); align-items: start;
}
.card {
  background: var(--card); border: 1px solid var(--border); border-radius: 10px;
  padding: 14px 16px 12px; margin: 0; min-width: 0;
}
.wide { grid-column: 1 / -1; }
.wide .chart-svg { min-width: 760px; }
.muted { color: var(--muted); }
figcaption p, .card > p { margin: .2rem 0 .6rem; color: var(--muted); font-size: .875rem; }
.chart-box { overflow-x: auto; }
.chart-svg { display: block; width: 100%; height: auto; min-width: 480px; }
.chart-svg text { font-size: 12px; fill: var(--text); }
.chart-svg .tick, .chart-svg .axis-title, .chart-svg .sublabel { fill: var(--muted); }
.chart-svg .label { font-size: 13px; }
.chart-svg .value { font-variant-numeric: tabular-nums; }
.chart-svg .seg-label { font-weight: 600; fill: #ffffff; }
.chart-svg .seg-label.on-free, .chart-svg .seg-label.on-unmatched { fill: #1b2330; }
.gridline { stroke: var(--gridline); stroke-width: 1; }
.axis { stroke: var(--axis); stroke-width: 1; }
.bar { fill: var(--accent); }
.bar.max { fill: var(--accent-strong); }
.bar:hover, .seg:hover { opacity: .8; }
.paid { fill: var(--paid); } .free { fill: var(--free); }
.matched { fill: var(--matched); } .unmatched { fill: var(--unmatched); }
details { margin-top: .4rem; font-size: .875rem; }
summary { cursor: pointer; color: var(--link); width: max-content; }
.table-box { overflow-x: auto; }
table {
  border-collapse: collapse; width: 100%; font-size: .875rem; font-variant-numeric: tabular-nums;
  margin-top: .4rem;
}
caption { text-align: left; font-weight: 600; padding: .2rem 0; }
th, td {
  padding: 4px 8px; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top;
}
th { font-weight: 600; color: var(--muted); }
.num { text-align: right; white-space: nowrap; }
.badge {
  display: inline-block; min-width: 3.4em; text-align: center; padding: 0 .5em;
  border-radius: 999px;
  font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .03em;
}
.badge.pass { color: var(--ok); background: var(--ok-bg); }
.badge.fail { color: var(--fail); background: var(--fail-bg); }
.badge.warn { color: var(--warn); background: var(--warn-bg); }
.badge.info { color: var(--info); background: var(--info-bg); }
.empty { color: var(--muted); font-style: italic; margin: 1rem 0; }
footer {
  color: var(--muted); font-size: .85rem; margin-top: 2.5rem; padding-top: 1rem;
  border-top: 1px solid var(--border);
}
footer p { margin: .3rem 0; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap;
}
@media (max-width: 520px) {
  .page { padding: 18px 12px 36px; }
  header h1 { font-size: 1.45rem; }
  .kpi-value { font-size: 1.35rem; }
}
@media print {
  body { background: #ffffff; }
  .card, .kpi { break-inside: avoid; }
  details { display: none; }
}
""".strip()
