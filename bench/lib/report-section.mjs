// @ts-check
// One section of BENCHMARKS.md rewritten in place by a run of its own, every other section left as it was.

import { readFile, writeFile } from 'node:fs/promises';

/**
 * Replaces the section that starts at `heading` (up to the next `## ` heading) with `lines`, or adds it
 * at the end of the file when there is none yet.
 * @param {string} path
 * @param {string} heading
 * @param {string[]} lines
 */
export async function replaceSection(path, heading, lines) {
  const text = await readFile(path, 'utf8');
  const section = `${lines.join('\n').trimEnd()}\n`;
  const at = text.indexOf(heading);
  if (at < 0) return writeFile(path, `${text.trimEnd()}\n\n${section}`);
  const next = text.indexOf('\n## ', at + heading.length);
  return writeFile(path, `${text.slice(0, at)}${section}${next < 0 ? '' : `\n${text.slice(next + 1)}`}`);
}
