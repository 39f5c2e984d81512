/**
 * The styles every page of ours shares (inline: the CSP allows no other
 * origin). Colours meet WCAG AA contrast on their backgrounds; focus is
 * always visible.
 */
export const pageStyle = `
  :root { --blue: #0d66d0; --ink: #2c2c2c; --muted: #595959; --line: #e1e1e1; --red: #c9252d; --green: #12805c; --amber: #8a5300; }
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: #f5f5f5; color: var(--ink); font-size: 15px; line-height: 1.45; }
  main { max-width: 640px; margin: 32px auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 24px 32px; }
  main.wide { max-width: 1120px; }
  h1 { font-size: 22px; margin: 0 0 16px; }
  h2 { font-size: 17px; margin: 28px 0 10px; padding-top: 16px; border-top: 1px solid var(--line); }
  h3 { font-size: 15px; margin: 18px 0 8px; }
  a { color: var(--blue); }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0 0 16px; }
  dt { color: var(--muted); } dd { margin: 0; }
  .mono, code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 13.5px; }
  button { font: inherit; padding: 6px 16px; border-radius: 16px; border: 1px solid var(--blue); background: #fff; color: var(--blue); cursor: pointer; margin: 0 8px 6px 0; }
  button.primary { background: var(--blue); color: #fff; }
  button.danger { border-color: var(--red); color: var(--red); }
  button.danger.primary { background: var(--red); color: #fff; }
  button:disabled { opacity: .55; cursor: default; }
  button[hidden], [hidden] { display: none !important; }
  :focus-visible { outline: 3px solid #8fb9f2; outline-offset: 2px; }
  label { display: block; font-weight: 600; margin: 10px 0 2px; }
  label.inline { display: inline; font-weight: normal; margin: 0 12px 0 4px; }
  input, select, textarea { font: inherit; padding: 6px 8px; border: 1px solid #8e8e8e; border-radius: 4px; box-sizing: border-box; background: #fff; color: var(--ink); }
  input[type=text], input[type=email], input[type=password], input[type=date], input:not([type]), select { width: 100%; margin: 2px 0 8px; }
  input[type=radio] { margin: 0; }
  fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 12px 0; padding: 8px 16px 12px; }
  legend { font-weight: 600; padding: 0 4px; }
  .hint { color: var(--muted); font-size: 13.5px; margin: 0 0 8px; }
  .notice { padding: 8px 12px; border-radius: 4px; background: #fff4e5; border: 1px solid #f5a623; margin: 12px 0; }
  .notice ul { margin: 6px 0 0; padding-left: 20px; }
  .error { background: #fdecea; border-color: var(--red); }
  .ok { background: #e8f5e9; border-color: var(--green); }
  .info { background: #eef5fd; border-color: #8fb9f2; }
  table { border-collapse: collapse; width: 100%; margin: 4px 0 12px; font-size: 14px; }
  caption { text-align: left; font-weight: 600; padding: 4px 0; }
  th, td { text-align: left; padding: 6px 10px 6px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 600; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-right: 14px; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12.5px; font-weight: 600; border: 1px solid currentColor; }
  .badge.good { color: var(--green); } .badge.bad { color: var(--red); } .badge.wait { color: var(--amber); } .badge.quiet { color: var(--muted); }
  .added { color: var(--green); } .removed { color: var(--red); }
  nav.crumbs { font-size: 14px; margin: 0 0 8px; color: var(--muted); }
  nav.crumbs a { margin-right: 4px; }
  .row { display: flex; gap: 12px; align-items: flex-end; flex-wrap: wrap; }
  .row > * { flex: 1 1 160px; }
  .row > button { flex: 0 0 auto; }
  .actions { margin: 12px 0; }
  .meter { display: inline-block; width: 140px; height: 8px; background: var(--line); border-radius: 4px; vertical-align: middle; margin-left: 8px; overflow: hidden; }
  .meter > span { display: block; height: 100%; background: var(--blue); }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  details > summary { cursor: pointer; }
  td input, td select { margin: 0; }
  td input.audience-id { min-width: 24em; }
`;
