/** The few styles both pages share (inline: the CSP allows no other origin). */
export const pageStyle = `
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: #f5f5f5; color: #2c2c2c; }
  main { max-width: 640px; margin: 48px auto; background: #fff; border: 1px solid #e1e1e1; border-radius: 8px; padding: 24px 32px; }
  h1 { font-size: 20px; margin: 0 0 16px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 8px 16px; margin: 0 0 16px; }
  dt { color: #6e6e6e; } dd { margin: 0; font-family: ui-monospace, monospace; }
  button { font: inherit; padding: 6px 16px; border-radius: 16px; border: 1px solid #1473e6; background: #fff; color: #1473e6; cursor: pointer; margin-right: 8px; }
  button.primary { background: #1473e6; color: #fff; }
  button[hidden], [hidden] { display: none !important; }
  input { font: inherit; padding: 6px 8px; width: 100%; box-sizing: border-box; margin: 4px 0 12px; font-family: ui-monospace, monospace; }
  .notice { padding: 8px 12px; border-radius: 4px; background: #fff4e5; border: 1px solid #f5a623; margin: 12px 0; }
  .error { background: #fdecea; border-color: #d7373f; }
  .ok { background: #e8f5e9; border-color: #2d9d78; }
`;
