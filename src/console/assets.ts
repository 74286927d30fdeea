/**
 * The console's one stylesheet, served by the worker under a content-hashed name (cached for a
 * year; a change is a new name). No fonts are fetched: the system font stacks. Light and dark
 * follow the browser (`prefers-color-scheme`), or the operator's choice (`data-theme` on <html>).
 */

export const CONSOLE_CSS = `
:root{color-scheme:light dark;--bg:#fbfbfc;--fg:#17181c;--muted:#5b6070;--line:#d9dce3;--card:#fff;--accent:#2454d6;--accent-fg:#fff;
--ok:#18794e;--warn:#9a5b00;--bad:#c4242b;--code:#f1f2f5;--focus:#ffb000}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]){--bg:#111318;--fg:#e8e9ee;--muted:#a2a7b5;--line:#2c3039;--card:#181b22;
--accent:#8fb0ff;--accent-fg:#0b0d12;--ok:#4cc38a;--warn:#f0b44c;--bad:#ff7a7f;--code:#20242d}}
:root[data-theme=dark]{--bg:#111318;--fg:#e8e9ee;--muted:#a2a7b5;--line:#2c3039;--card:#181b22;--accent:#8fb0ff;--accent-fg:#0b0d12;
--ok:#4cc38a;--warn:#f0b44c;--bad:#ff7a7f;--code:#20242d}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--card);padding:.5rem;z-index:2}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.75rem 1.25rem;border-bottom:1px solid var(--line);background:var(--card)}
header.top .brand{font-weight:700;text-decoration:none;color:var(--fg)}
nav.main ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
nav.main a{text-decoration:none;padding:.25rem .1rem;border-bottom:2px solid transparent;color:var(--fg)}
nav.main a[aria-current=page]{border-color:var(--accent);font-weight:600}
header.top .who{margin-left:auto;display:flex;gap:.75rem;align-items:center;color:var(--muted);font-size:.9rem}
main{max-width:72rem;margin:0 auto;padding:1.25rem}
h1{font-size:1.5rem;margin:.25rem 0 1rem}h2{font-size:1.15rem;margin:0 0 .75rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr))}
section.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:1rem;margin-bottom:1rem;min-width:0;overflow-x:auto}
table{width:100%;border-collapse:collapse;font-size:.9rem}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
td code{overflow-wrap:anywhere}
th{color:var(--muted);font-weight:600}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;background:var(--code);padding:0 .25em;border-radius:.2em}
pre{background:var(--code);padding:.75rem;border-radius:.4rem;overflow:auto;font-size:.85rem}
.muted{color:var(--muted)}
.status{display:inline-block;white-space:nowrap;padding:0 .5em;border-radius:1em;font-size:.8rem;font-weight:600;border:1px solid currentColor}
.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}
.figure{font-size:1.6rem;font-weight:700}
form.inline{display:inline}
button,.button{font:inherit;padding:.35rem .8rem;border-radius:.35rem;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:transparent;color:var(--accent)}
button.danger{background:var(--bad);border-color:var(--bad);color:#fff}
input,select{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:.35rem;background:var(--bg);color:var(--fg)}
label{display:inline-flex;flex-direction:column;gap:.15rem;font-size:.85rem;color:var(--muted)}
.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin-bottom:1rem}
.notice{border-left:4px solid var(--accent);padding:.5rem .75rem;background:var(--card);margin-bottom:1rem}
.notice.bad{border-color:var(--bad)}
ul.tree{list-style:none;padding-left:1.25rem;margin:.25rem 0;border-left:1px dashed var(--line)}
ul.tree.root{padding-left:0;border:0}
svg.chart{width:100%;height:auto;display:block}
svg.chart .processed,svg.spark .processed{fill:var(--ok)}svg.chart .failed,svg.spark .failed{fill:var(--bad)}svg.spark{vertical-align:middle}svg.chart .axis{stroke:var(--line)}
svg.chart text{fill:var(--muted);font-size:10px}
.legend{display:flex;gap:1rem;font-size:.85rem}.legend span::before{content:"";display:inline-block;width:.7em;height:.7em;margin-right:.3em;background:currentColor}
@media (max-width:40rem){header.top .who{margin-left:0}main{padding:.75rem}}
`;

/** A short content hash, so the stylesheet's URL changes with it. */
function hashOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

export const CONSOLE_CSS_PATH = `/console/assets/console.${hashOf(CONSOLE_CSS)}.css`;
