/**
 * node-oidc-provider builds its own URLs (form actions, redirects to interactions, the device
 * page) with `ctx.oidc.urlFor`, which takes the provider's mount path to be the part of
 * `req.originalUrl` before the FIRST occurrence of the request's url. For a provider whose name
 * holds an endpoint's path (`device-lock` holds `/device`, `token-service` holds `/token`) that
 * cuts inside the name, and the page posts to another address. Express keeps
 * `originalUrl = baseUrl + url`, so the mount path is what precedes the url at the end.
 */
import type { Provider } from 'oidc-provider';

/** The library keeps its Koa context on every OIDCContext; its types leave the field out. */
interface WithKoaContext {
  readonly ctx: { readonly req: { readonly originalUrl?: string; readonly baseUrl?: string }; readonly request: { readonly url: string }; readonly href: string };
}

export function mountPathFromRequestEnd(provider: Provider): void {
  provider.OIDCContext.prototype.urlFor = function urlFor(this: WithKoaContext, name: string, options?: Record<string, unknown>): string {
    const { originalUrl, baseUrl } = this.ctx.req;
    const url = this.ctx.request.url;
    const mountPath =
      originalUrl !== undefined && originalUrl.endsWith(url) ? originalUrl.slice(0, originalUrl.length - url.length) : (baseUrl ?? '');
    return new URL(provider.pathFor(name, { mountPath, ...options }), this.ctx.href).href;
  };
}
