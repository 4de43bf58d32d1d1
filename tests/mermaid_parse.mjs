// Parses Mermaid diagrams with the mermaid package's own parser, as a browser would.
// Usage: node mermaid_parse.mjs NODE_MODULES_PARENT < diagrams.json
// Reads a JSON list of diagram texts; writes a JSON list of {tasks} or {error}, one per diagram.
// mermaid needs a DOM even to parse (DOMPurify), so jsdom provides one.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const require = createRequire(join(process.argv[2], 'package.json'));
const { JSDOM } = await import(pathToFileURL(require.resolve('jsdom')).href);
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import(pathToFileURL(require.resolve('mermaid')).href);

const day = (d) => (d instanceof Date && !isNaN(d) ? d.toISOString().slice(0, 10) : null);
const results = [];
for (const text of JSON.parse(readFileSync(0, 'utf8'))) {
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const tasks = diagram.db.getTasks().map((t) => ({
      name: t.task.trim(), section: t.section, start: day(t.startTime), end: day(t.endTime),
      vert: Boolean(t.vert), milestone: Boolean(t.milestone), crit: Boolean(t.crit), active: Boolean(t.active),
    }));
    results.push({ tasks, title: diagram.db.getDiagramTitle() });
  } catch (error) {
    results.push({ error: String(error && error.message ? error.message : error) });
  }
}
process.stdout.write(JSON.stringify(results));
