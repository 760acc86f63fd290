/**
 * The provider instance the mount resolved for a request, handed to the routes under the mount
 * (discovery, JWKS, interaction pages) through the response's locals.
 */
import type { Response } from 'express';
import type { ProviderInstance } from './instance.js';

const instances = new WeakMap<Response, ProviderInstance>();

export function setRequestInstance(res: Response, instance: ProviderInstance): void {
  instances.set(res, instance);
}

export function requestInstance(res: Response): ProviderInstance {
  const instance = instances.get(res);
  if (instance === undefined) throw new Error('the provider mount did not resolve an instance for this request');
  return instance;
}
