// The layout is the architecture (docs/architecture.md): packages meet only through their public
// names, sources import only packages below them in the stack, every package a source imports is
// declared in its package.json, and no import cycle crosses folders. Checked on the files
// themselves, so a change that breaks the layout fails here, naming the file and the import.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/**
 * The stack, bottom up (docs/architecture.md): a package's sources may import packages of a lower
 * layer only. Same-layer packages are independent rooms.
 */
const LAYERS: Record<string, number> = {
  quantization: 0,
  params: 1,
  datasets: 1,
  training: 2,
  circuit: 2,
  engine: 2,
  compiler: 3,
  executor: 3,
  models: 3,
  client: 4,
  experiments: 4,
  server: 5,
  fleet: 5,
  cli: 6,
  testing: 7, // fixtures for tests and benches: may use anything, nothing imports it from src
};

interface Pkg {
  readonly name: string; // folder name = the part after @fhenet/
  readonly dir: string;
  readonly json: { name: string; dependencies?: Record<string, string>; exports?: Record<string, unknown> };
}

const packages: Pkg[] = [...readdirSync(join(ROOT, 'packages')).map((d) => join(ROOT, 'packages', d)), join(ROOT, 'datasets')]
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => {
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Pkg['json'];
    return { name: json.name.replace('@fhenet/', ''), dir, json };
  });
const byName = new Map(packages.map((p) => [p.name, p]));

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (f === 'node_modules' || f === 'dist' || f === 'build' || f === 'fixtures') return [];
    return statSync(p).isDirectory() ? tsFiles(p) : f.endsWith('.ts') ? [p] : [];
  });
}

const SPEC = /(?:^|[^.\w])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(SPEC)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

describe('package boundaries', () => {
  it('every package is placed in the stack', () => {
    expect(packages.map((p) => p.name).filter((n) => LAYERS[n] === undefined)).toEqual([]);
  });

  const problems: string[] = [];
  for (const p of packages) {
    for (const part of ['src', 'test', 'bench', 'web', 'scripts']) {
      for (const file of tsFiles(join(p.dir, part))) {
        const rel = relative(ROOT, file);
        for (const spec of specifiers(file)) {
          if (spec.startsWith('.')) {
            const target = resolve(dirname(file), spec);
            if (!target.startsWith(p.dir + '/')) problems.push(`${rel}: '${spec}' reaches into another package's folder; import it by its public name`);
            continue;
          }
          const m = /^@fhenet\/([^/]+)(\/.*)?$/.exec(spec);
          if (!m) continue;
          const [, name, sub] = m;
          const target = byName.get(name!);
          if (!target) {
            problems.push(`${rel}: '${spec}': no package @fhenet/${name}`);
            continue;
          }
          const exported = Object.keys(target.json.exports ?? { '.': 1 });
          if (!exported.includes(sub ? `.${sub}` : '.'))
            problems.push(`${rel}: '${spec}' is not a public entry of @fhenet/${name} (exports: ${exported.join(', ')})`);
          if (part !== 'src' || name === p.name) continue;
          if (!(target.json.name in (p.json.dependencies ?? {})))
            problems.push(`${rel}: imports @fhenet/${name}, which ${relative(ROOT, p.dir)}/package.json does not declare`);
          if (LAYERS[name!]! >= LAYERS[p.name]!)
            problems.push(
              `${rel}: @fhenet/${p.name} (layer ${LAYERS[p.name]}) imports @fhenet/${name} (layer ${LAYERS[name!]}): sources import only packages below them`,
            );
        }
      }
    }
  }
  it('imports only public names of packages below, declared in package.json', () => {
    expect(problems).toEqual([]);
  });
});

describe('file-level import cycles', () => {
  it('no cycle crosses folders', () => {
    // Relative imports of every source file, then the strongly connected components (Tarjan).
    const files = packages.flatMap((p) => tsFiles(join(p.dir, 'src')));
    const edges = new Map<string, string[]>();
    for (const f of files) {
      edges.set(
        f,
        specifiers(f)
          .filter((s) => s.startsWith('.'))
          .map((s) => resolve(dirname(f), s).replace(/\.js$/, '.ts'))
          .filter((t) => t !== f && existsSync(t)),
      );
    }
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const on = new Set<string>();
    const crossing: string[][] = [];
    const visit = (v: string): void => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      on.add(v);
      for (const w of edges.get(v) ?? []) {
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
      if (low.get(v) === idx.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          on.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1 && new Set(scc.map((f) => dirname(f))).size > 1) crossing.push(scc.map((f) => relative(ROOT, f)).sort());
      }
    };
    for (const f of files) if (!idx.has(f)) visit(f);
    expect(crossing).toEqual([]);
  });
});
