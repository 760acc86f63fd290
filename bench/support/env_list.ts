/**
 * A comma list from the environment naming some of a benchmark's parts (endpoints, algorithms),
 * so a profile can hold one part's work alone; all of them when the variable is unset or empty.
 */
export function chosenFromEnv<T extends string>(variable: string, known: readonly T[]): readonly T[] {
  const names = (process.env[variable] ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(known as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`${variable}: unknown ${unknown.join(', ')}; use ${known.join(', ')}`);
  return names.length === 0 ? known : known.filter((name) => names.includes(name));
}
