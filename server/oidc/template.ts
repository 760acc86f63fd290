/**
 * Vault's identity templating in JSON mode (sdk/helper/identitytpl), as used by scope and role
 * templates: `{{ directive }}` placeholders are replaced by JSON literals and the result must be a
 * JSON object of claims.
 *
 *   identity.entity.id | name                       → "string" ("" when missing)
 *   identity.entity.metadata                        → {object}
 *   identity.entity.metadata.<key>                  → "string" ("" when missing)
 *   identity.entity.groups.names | ids              → [array], [] when the entity has no groups
 *   identity.entity.aliases.<mount accessor>.id | name | metadata[.<key>] | custom_metadata[.<key>]
 *                                                   → as above; an unknown accessor yields ""/{}
 *   identity.groups.ids|names.<group>.id | name | metadata.<key>
 *                                                   → the raw value, unquoted (as Vault)
 *   time.now, time.now.plus.<dur>, time.now.minus.<dur>
 *                                                   → Unix seconds, unquoted
 *
 * Deliberate differences from Vault, both accepting what Vault wrongly rejects:
 * - strings are quoted with JSON.stringify, not Go's strconv.Quote, so a value with control or
 *   unusual Unicode characters still yields valid JSON (Go's escapes such as `\a` are not JSON);
 * - a `}}` outside a directive is plain text (see parse).
 *
 * Templates are parsed once and cached by their text; rendering (once per token) only fills in
 * values. Errors surface in the order Vault finds them, left to right.
 */
import { parseDurationSecondNs } from '../util/duration.js';
import { goQuote, reservedClaimError } from './claims.js';

export interface TemplateGroup {
  readonly id: string;
  readonly name: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface TemplateAlias {
  readonly id: string;
  readonly name: string;
  readonly mount_accessor: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly custom_metadata: Readonly<Record<string, string>>;
}

/** What a template can see of an entity. */
export interface TemplateEntity {
  readonly id: string;
  readonly name: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Direct and inherited groups, resolved by the caller. */
  readonly groups: readonly TemplateGroup[];
  readonly aliases: readonly TemplateAlias[];
}

/** The entity Vault validates templates against at write time: no values, no groups. */
export const EMPTY_TEMPLATE_ENTITY: TemplateEntity = Object.freeze({
  id: '',
  name: '',
  metadata: Object.freeze({}),
  groups: Object.freeze([]),
  aliases: Object.freeze([]),
});

/** A template that cannot be rendered; `message` is Vault's full text (shown on a 400 at write time). */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

/**
 * The claims a template yields for `entity` at `now` (ms since the epoch). An empty template
 * yields no claims; so does the JSON literal `null` (Go decodes it into an empty map).
 * Throws TemplateError with Vault's message.
 */
export function renderTemplate(template: string, entity: TemplateEntity, now: number): Record<string, unknown> {
  if (template === '') return {};
  const context: RenderContext = { entity, now: Math.floor(now) };
  const text = compile(template)
    .map((part) => (typeof part === 'string' ? part : part(context)))
    .join('');
  return parseClaims(text);
}

/**
 * Vault's write-time check of a scope or role template (already base64-decoded): it must render
 * for an empty entity, parse to a JSON object, and set no reserved claim. Returns Vault's message.
 */
export function validateTemplate(template: string): string | undefined {
  if (template === '') return undefined;
  let claims: Record<string, unknown>;
  try {
    claims = renderTemplate(template, EMPTY_TEMPLATE_ENTITY, Date.now());
  } catch (err) {
    if (err instanceof TemplateError) return err.message;
    throw err;
  }
  return reservedClaimError(claims);
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Vault accepts a template as JSON text or as standard base64 of it: whatever decodes as base64
 * (Go's StdEncoding: padded, line breaks ignored) is decoded, anything else is kept as given.
 */
export function decodeTemplateParam(value: string): string {
  const compact = value.replace(/[\r\n]/g, '');
  if (!STRICT_BASE64.test(compact)) return value;
  return Buffer.from(compact, 'base64').toString('utf8');
}

// ---- Parsing ----

interface RenderContext {
  readonly entity: TemplateEntity;
  readonly now: number;
}

/** Literal text, or a function producing a directive's JSON text (or throwing its error). */
type Part = string | ((context: RenderContext) => string);

const MESSAGES = {
  unbalanced: 'unbalanced templating characters',
  notFound: 'no value could be found for one of the template directives',
  noGroups: 'string contains groups template directives but no groups were provided',
} as const;

// Admin-defined templates are few; the bound only protects against unbounded growth.
const MAX_CACHED_TEMPLATES = 1000;
const compiled = new Map<string, readonly Part[]>();

function compile(template: string): readonly Part[] {
  const cached = compiled.get(template);
  if (cached !== undefined) return cached;
  const parts = parse(template);
  if (compiled.size >= MAX_CACHED_TEMPLATES) {
    const oldest = compiled.keys().next().value;
    if (oldest !== undefined) compiled.delete(oldest);
  }
  compiled.set(template, parts);
  return parts;
}

/**
 * Split on `{{`; in each piece the first `}}` closes the directive. An opener without a closer is
 * unbalanced. Any other `}}` is document text: JSON closes nested objects with `}}`.
 *
 * Deliberate difference: Vault also rejects every other `}}` (hashicorp/vault#30146, open; the
 * fix proposed in hashicorp/vault#32128 is this rule), so `{"a": {"b": {{x}}}}` fails there and
 * needs a space between the braces. Templates Vault accepts render identically here.
 */
function parse(template: string): readonly Part[] {
  const [head = '', ...pieces] = template.split('{{');
  const parts: Part[] = [head];
  for (const piece of pieces) {
    const close = piece.indexOf('}}');
    if (close < 0) {
      // Vault stops at the first unbalanced piece, after the directives before it were evaluated.
      parts.push(fail(MESSAGES.unbalanced));
      break;
    }
    parts.push(directive(piece.slice(0, close).trim()), piece.slice(close + 2));
  }
  return parts;
}

function fail(message: string): Part {
  return () => {
    throw templateError(message);
  };
}

function templateError(message: string): TemplateError {
  return new TemplateError(`error parsing template: ${message}`);
}

function directive(input: string): Part {
  if (input.startsWith('identity.entity.')) return entityDirective(input.slice('identity.entity.'.length));
  if (input.startsWith('identity.groups.')) return groupsDirective(input.slice('identity.groups.'.length));
  if (input.startsWith('time.')) return timeDirective(input.slice('time.'.length));
  return fail(MESSAGES.notFound);
}

function entityDirective(selector: string): Part {
  switch (selector) {
    case 'id':
      return ({ entity }) => quote(entity.id);
    case 'name':
      return ({ entity }) => quote(entity.name);
    case 'metadata':
      return ({ entity }) => marshalMap(entity.metadata);
    case 'groups.names':
      return ({ entity }) => marshalList(entity.groups.map((group) => group.name));
    case 'groups.ids':
      return ({ entity }) => marshalList(entity.groups.map((group) => group.id));
  }
  if (selector.startsWith('metadata.')) {
    const key = selector.slice('metadata.'.length);
    return ({ entity }) => quote(lookup(entity.metadata, key));
  }
  if (selector.startsWith('aliases.')) {
    const rest = selector.slice('aliases.'.length);
    const dot = rest.indexOf('.');
    if (dot < 0) return fail('invalid alias selector');
    const accessor = rest.slice(0, dot);
    const field = aliasField(rest.slice(dot + 1));
    if (field === undefined) return fail(MESSAGES.notFound);
    // An unknown accessor is not an error in JSON mode: an empty alias supplies the defaults.
    return ({ entity }) => field(entity.aliases.find((alias) => alias.mount_accessor === accessor));
  }
  return fail(MESSAGES.notFound);
}

function aliasField(selector: string): ((alias: TemplateAlias | undefined) => string) | undefined {
  switch (selector) {
    case 'id':
      return (alias) => quote(alias?.id);
    case 'name':
      return (alias) => quote(alias?.name);
    case 'metadata':
      return (alias) => marshalMap(alias?.metadata);
    case 'custom_metadata':
      return (alias) => marshalMap(alias?.custom_metadata);
  }
  if (selector.startsWith('metadata.')) {
    const key = selector.slice('metadata.'.length);
    return (alias) => quote(lookup(alias?.metadata, key));
  }
  if (selector.startsWith('custom_metadata.')) {
    const key = selector.slice('custom_metadata.'.length);
    return (alias) => quote(lookup(alias?.custom_metadata, key));
  }
  return undefined;
}

/**
 * `identity.groups.(ids|names).<group>.<field>`: Vault emits these raw (unquoted) even in JSON
 * mode, and write-time validation (no groups) always rejects them, so in practice they only
 * produce errors; they are kept so the errors match.
 */
function groupsDirective(selector: string): Part {
  const [by, rest] = splitOnce(selector);
  let problem: string | undefined;
  if (rest === undefined || (by !== 'ids' && by !== 'names')) problem = 'invalid groups selector';
  const [wanted, field] = splitOnce(rest ?? '');
  if (problem === undefined && field === undefined) problem = 'invalid groups accessor';

  return ({ entity }) => {
    // Vault checks for groups before it looks at the selector.
    if (entity.groups.length === 0) throw templateError(MESSAGES.noGroups);
    if (problem !== undefined) throw templateError(problem);
    const group = entity.groups.find((g) => (by === 'ids' ? g.id : g.name) === wanted);
    if (group === undefined) throw templateError(`entity is not a member of group ${goQuote(wanted)}`);
    if (field === 'id') return group.id;
    if (field === 'name' && group.name !== '') return group.name;
    if (field?.startsWith('metadata.')) {
      const key = field.slice('metadata.'.length);
      if (group.metadata !== undefined && Object.hasOwn(group.metadata, key)) return String(group.metadata[key]);
    }
    throw templateError(MESSAGES.notFound);
  };
}

function timeDirective(selector: string): Part {
  const [base = '', operator, operand] = splitN(selector, 3);
  if (base !== 'now') return fail(`invalid time selector ${goQuote(base)}`);
  if (operator === undefined) return ({ now }) => String(Math.floor(now / 1000));
  if (operand === undefined) return fail('missing time operand');

  let offsetNs: bigint;
  try {
    offsetNs = parseDurationSecondNs(operand);
  } catch (err) {
    return fail(`invalid duration: ${(err as Error).message}`);
  }
  if (operator !== 'plus' && operator !== 'minus') return fail(`invalid time operator ${goQuote(operator)}`);
  // Whole milliseconds suffice: `now` is whole milliseconds, so the sub-millisecond rest of the
  // offset can never carry the sum across a second boundary.
  const offsetMs = Number(floorDiv(operator === 'plus' ? offsetNs : -offsetNs, 1_000_000n));
  return ({ now }) => String(Math.floor((now + offsetMs) / 1000));
}

// ---- Values ----

function quote(value: string | undefined): string {
  return JSON.stringify(value ?? '');
}

/** Own properties only: a key such as "constructor" must not reach Object.prototype. */
function lookup(map: Readonly<Record<string, string>> | undefined, key: string): string {
  return map !== undefined && Object.hasOwn(map, key) ? (map[key] ?? '') : '';
}

/** Go marshals maps with sorted keys; fromEntries keeps a "__proto__" key as plain data. */
function marshalMap(map: Readonly<Record<string, string>> | undefined): string {
  if (map === undefined) return '{}';
  return JSON.stringify(Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/**
 * An entity without groups yields `[]`. Vault's Go code marshals a nil slice, which would be
 * `null`; relying parties choke on a null claim (mod_auth_openidc logs "unhandled JSON object
 * type" on every request) and OpenID Connect Core §5.3.2 says claims SHOULD NOT be null, so
 * Lanyard deliberately answers with an empty list here (README, "Differences from Vault").
 */
function marshalList(values: readonly string[]): string {
  return JSON.stringify(values);
}

/** Vault's decoding of the rendered text into a claims map (Go json.Unmarshal into a map). */
function parseClaims(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TemplateError(`error parsing template JSON: ${(err as Error).message}`);
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
    throw new TemplateError(
      `error parsing template JSON: json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`,
    );
  }
  return value as Record<string, unknown>;
}

// ---- Go's strings.SplitN ----

function splitOnce(text: string): [string, string | undefined] {
  const dot = text.indexOf('.');
  return dot < 0 ? [text, undefined] : [text.slice(0, dot), text.slice(dot + 1)];
}

/** strings.SplitN(text, ".", n): at most n parts, the last one keeping its dots. */
function splitN(text: string, n: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (parts.length < n - 1) {
    const dot = rest.indexOf('.');
    if (dot < 0) break;
    parts.push(rest.slice(0, dot));
    rest = rest.slice(dot + 1);
  }
  parts.push(rest);
  return parts;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? quotient - 1n : quotient;
}
