import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import type { Clock } from '../storage/store.js';

export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

export type ViewLocals = { title: string; [key: string]: unknown };

/**
 * Renders a view inside the shared layout. `<%= %>` escapes everything; the only raw insertion is the
 * layout's body and the provider-built logout form. Templates are compiled once per process.
 */
export class Views {
  private readonly compiled = new Map<string, ejs.TemplateFunction>();

  /** The clock pages measure "3 minutes ago" against: the app's own, so tests can move time. */
  constructor(readonly now: Clock = Date.now) {}

  render(name: string, locals: ViewLocals): string {
    const body = this.template(name)(locals);
    return this.template('_layout')({ ...locals, body });
  }

  private template(name: string): ejs.TemplateFunction {
    let fn = this.compiled.get(name);
    if (!fn) {
      const file = `${VIEWS_DIR}${name}.ejs`;
      fn = ejs.compile(readFileSync(file, 'utf8'), { filename: file, strict: false, async: false });
      this.compiled.set(name, fn);
    }
    return fn;
  }
}
