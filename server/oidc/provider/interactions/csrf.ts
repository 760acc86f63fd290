/**
 * Anti-forgery tokens for the sign-in and consent forms. A token is an HMAC of the provider, the
 * interaction's uid and its chain id (`cid`, random and never shown to the browser) under a key
 * derived from the cookie keys, so it is bound to one interaction, needs no storage, and cannot be
 * computed from anything in the page's URL. Checked in constant time.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export interface InteractionIdentity {
  readonly uid: string;
  readonly cid: string;
}

export class CsrfTokens {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'lanyard interaction csrf', 32));
  }

  issue(provider: string, interaction: InteractionIdentity): string {
    return this.#mac(provider, interaction).toString('base64url');
  }

  verify(provider: string, interaction: InteractionIdentity, presented: unknown): boolean {
    if (typeof presented !== 'string') return false;
    const expected = this.#mac(provider, interaction);
    const given = Buffer.from(presented, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #mac(provider: string, interaction: InteractionIdentity): Buffer {
    return createHmac('sha256', this.#key).update(`${provider}\n${interaction.uid}\n${interaction.cid}`).digest();
  }
}
