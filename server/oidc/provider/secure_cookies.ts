/**
 * Cookies of a provider whose public address is https carry `Secure`, whatever the connection
 * that reached this process. Koa (under node-oidc-provider) marks cookies secure only when it
 * believes the request itself came over TLS: directly, or through a trusted proxy's
 * X-Forwarded-Proto. Lanyard does not terminate TLS itself, so with `--api-addr https://…` and no
 * trusted proxy configured, the session cookie (a bearer credential) would otherwise be set
 * without `Secure` and a browser would send it over plain http to the same host.
 */
import type { Provider } from 'oidc-provider';

/** Whether the provider's cookies must be Secure: its issuer or the server's public address is https. */
export function requiresSecureCookies(apiAddr: string, issuer: string): boolean {
  return [apiAddr, issuer].some((url) => URL.canParse(url) && new URL(url).protocol === 'https:');
}

/** The `cookies` accessor as Koa defines it on its context prototype. */
function koaCookiesAccessor(context: object): PropertyDescriptor {
  for (let proto: object | null = context; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, 'cookies');
    if (descriptor?.get !== undefined) return descriptor;
  }
  throw new Error('the provider context has no cookies accessor');
}

interface CookieJar {
  secure?: boolean;
}

/**
 * Every cookie the provider sets carries Secure. The cookie jar of a request is created by Koa's
 * `ctx.cookies` getter with `secure` from the connection; it is flagged secure here, so cookies
 * are set with the attribute (the library then keeps it: it only ever turns `secure` on).
 */
export function forceSecureCookies(provider: Provider): void {
  const original = koaCookiesAccessor(provider.context);
  const get = original.get as (this: unknown) => CookieJar;
  Object.defineProperty(provider.context, 'cookies', {
    configurable: true,
    enumerable: original.enumerable ?? false,
    get(this: unknown): CookieJar {
      const jar = get.call(this);
      jar.secure = true;
      return jar;
    },
    ...(original.set !== undefined ? { set: original.set } : {}),
  });
}
