/**
 * The top self-time entries of a V8 CPU profile (`node --cpu-prof`), by function and by where the
 * code lives (a package under node_modules, Node's internals, this project's own directories,
 * garbage collection, idle time), as percentages of busy time.
 *
 *   node dist/bench/profile_top.js PROFILE.cpuprofile [N]
 */
import { readFileSync } from 'node:fs';
import { printTable } from './support/table.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a frame's code lives: a package, Node itself, or a directory of this project. */
export function placeOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return url.startsWith('node:internal/deps/') ? 'node (deps)' : 'node';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const own = /\/dist\/([^/]+(?:\/[^/]+)?)\//.exec(url);
  return own ? (own[1] as string) : url;
}

export function selfTimes(profile: Profile): { byFunction: Map<string, number>; byPlace: Map<string, number>; busy: number } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id);
    if (node === undefined) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const micros = profile.timeDeltas[i] ?? 0;
    if (functionName === '(idle)' || functionName === '(program)') return;
    busy += micros;
    const place = placeOf(url, functionName);
    const file = url.slice(url.lastIndexOf('/') + 1);
    const name = `${functionName || '(anonymous)'} ${url === '' ? '' : `${place}/${file}:${lineNumber + 1}`}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
  });
  return { byFunction, byPlace, busy };
}

if (process.argv[1]?.endsWith('profile_top.js')) {
  const [file, count] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: node dist/bench/profile_top.js PROFILE.cpuprofile [N]');
    process.exit(2);
  }
  const { byFunction, byPlace, busy } = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const top = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, Number(count ?? 15))
      .map(([name, micros]) => [name, `${((micros / busy) * 100).toFixed(1)}%`, Math.round(micros / 1000)]);
  printTable(`Busy time by place (${Math.round(busy / 1000)} ms busy)`, ['place', 'share', 'ms'], top(byPlace));
  printTable('Top functions by self time', ['function', 'share', 'ms'], top(byFunction));
}
