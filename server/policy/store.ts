/**
 * ACL policies by name, parsed once and cached; built-in `root` (implicit, never stored) and
 * `default` (stored at init, editable, not deletable). Every write bumps a generation so that
 * compiled ACLs built from older policy text are rebuilt.
 */
import type { Storage } from '../../storage/types.js';
import { invalidRequest } from '../errors.js';
import { Acl, DEFAULT_POLICY, DEFAULT_POLICY_HCL, ROOT_POLICY, parsePolicy, type AclContext, type Policy } from './index.js';

export interface StoredPolicy {
  readonly name: string;
  readonly policy: string;
}

const POLICY_NAME = /^[\w][\w.@+-]{0,127}$/;

export class PolicyStore {
  readonly #storage: Storage;
  readonly #parsed = new Map<string, Policy>();
  readonly #acls = new Map<string, Acl>();
  #generation = 0;

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** Store the default policy when it does not exist yet (first start). */
  async ensureDefault(): Promise<void> {
    if (!(await this.#storage.get('policy', DEFAULT_POLICY))) {
      await this.#storage.put<StoredPolicy>('policy', DEFAULT_POLICY, { name: DEFAULT_POLICY, policy: DEFAULT_POLICY_HCL });
    }
  }

  async read(name: string): Promise<StoredPolicy | undefined> {
    const key = name.toLowerCase();
    if (key === ROOT_POLICY) return { name: ROOT_POLICY, policy: '' };
    return this.#storage.get<StoredPolicy>('policy', key);
  }

  async list(): Promise<string[]> {
    const names = (await this.#storage.list<StoredPolicy>('policy')).map((e) => e.id);
    return [...new Set([...names, ROOT_POLICY])].sort();
  }

  /** Validate and store; throws a 400 with the parser's message (line and column) on bad text. */
  async write(name: string, text: string): Promise<void> {
    const key = name.toLowerCase();
    if (!POLICY_NAME.test(key)) throw invalidRequest(`invalid policy name ${JSON.stringify(name)}`);
    if (key === ROOT_POLICY) throw invalidRequest('cannot update "root" policy');
    try {
      parsePolicy(key, text);
    } catch (err) {
      throw invalidRequest(`failed to parse policy: ${(err as Error).message.replace(/^failed to parse policy: /, '')}`);
    }
    await this.#storage.put<StoredPolicy>('policy', key, { name: key, policy: text });
    this.#invalidate();
  }

  async delete(name: string): Promise<void> {
    const key = name.toLowerCase();
    if (key === ROOT_POLICY || key === DEFAULT_POLICY) throw invalidRequest(`cannot delete "${key}" policy`);
    await this.#storage.delete('policy', key);
    this.#invalidate();
  }

  /** The compiled ACL for a set of policy names and an identity, cached until policies change. */
  async acl(names: readonly string[], context: AclContext): Promise<Acl> {
    const cacheKey = `${this.#generation}\u0000${[...names].sort().join(',')}\u0000${context.entityId ?? ''}\u0000${context.entityName ?? ''}`;
    const cached = this.#acls.get(cacheKey);
    if (cached) return cached;
    const policies: Policy[] = [];
    for (const name of new Set(names)) {
      if (name === ROOT_POLICY) {
        policies.push({ name: ROOT_POLICY, rules: [] });
        continue;
      }
      const parsed = await this.#parsedPolicy(name);
      if (parsed) policies.push(parsed);
    }
    const acl = Acl.build(policies, context);
    if (this.#acls.size >= 10_000) this.#acls.clear();
    this.#acls.set(cacheKey, acl);
    return acl;
  }

  async #parsedPolicy(name: string): Promise<Policy | undefined> {
    const cached = this.#parsed.get(name);
    if (cached) return cached;
    const stored = await this.#storage.get<StoredPolicy>('policy', name);
    if (!stored) return undefined; // a token may name a policy that was deleted: it grants nothing
    const parsed = parsePolicy(name, stored.policy);
    this.#parsed.set(name, parsed);
    return parsed;
  }

  /** Drops every parsed policy and compiled ACL (a policy changed on another replica, or a snapshot restore replaced them). */
  invalidate(): void {
    this.#invalidate();
  }

  #invalidate(): void {
    this.#generation += 1;
    this.#parsed.clear();
    this.#acls.clear();
  }
}
