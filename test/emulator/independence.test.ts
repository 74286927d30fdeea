/**
 * The emulator stands in for outside services, so it must not share code with ChittyConnect: a
 * test against it would otherwise check our code against itself. Every import in emulator/src
 * stays inside emulator/src or names a package. (biome.json refuses the same under emulator/.)
 */
import { describe, expect, it } from 'vitest';

const sources = import.meta.glob<string>('../../emulator/src/**/*.ts', { query: '?raw', import: 'default', eager: true });

/** Module specifiers of static imports, re-exports and dynamic imports. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) found.push(m[1] as string);
  return found;
}

/** `../../emulator/src/a/b.ts` + `../c` → `emulator/src/c`, without touching the filesystem. */
function resolve(file: string, specifier: string): string {
  const parts = file
    .replace(/^(\.\.\/)+/, '')
    .split('/')
    .slice(0, -1);
  for (const segment of specifier.split('/')) {
    if (segment === '..') parts.pop();
    else if (segment !== '.') parts.push(segment);
  }
  return parts.join('/');
}

describe('the emulator is independent of ChittyConnect', () => {
  it('reads its own sources (the check below is not vacuous)', () => {
    const files = Object.keys(sources);
    expect(files.length).toBeGreaterThan(15);
    expect(files).toContain('../../emulator/src/chitty-id.ts');
    expect(specifiers("import { x } from '../../../src/ecosystem/chitty-id';")).toEqual(['../../../src/ecosystem/chitty-id']);
    expect(resolve('../../emulator/src/services/id.ts', '../../../src/ecosystem/chitty-id')).toBe('src/ecosystem/chitty-id');
  });

  it('imports nothing outside emulator/src but packages', () => {
    const outside: string[] = [];
    for (const [file, text] of Object.entries(sources)) {
      for (const specifier of specifiers(text)) {
        const relative = specifier.startsWith('.');
        if (
          relative
            ? !resolve(file, specifier).startsWith('emulator/src/')
            : !['hono', 'zod', 'jose'].includes(specifier.split('/')[0] ?? '')
        ) {
          outside.push(`${file}: ${specifier}`);
        }
      }
    }
    expect(outside).toEqual([]);
  });
});
