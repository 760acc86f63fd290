/**
 * Back-channel logout deliveries still in flight, per server (services object), so that shutting
 * down waits for them (each has a five-second deadline) instead of cutting them off. Kept apart
 * from logout.ts so the runtime can wait without loading the OIDC modules.
 */
const inFlight = new WeakMap<object, Set<Promise<void>>>();

export function trackDelivery(owner: object, delivery: Promise<void>): void {
  let set = inFlight.get(owner);
  if (set === undefined) {
    set = new Set();
    inFlight.set(owner, set);
  }
  const deliveries = set;
  deliveries.add(delivery);
  void delivery.finally(() => deliveries.delete(delivery));
}

/** Resolves when every delivery started so far has ended. */
export async function deliveriesSettled(owner: object): Promise<void> {
  await Promise.allSettled([...(inFlight.get(owner) ?? [])]);
}
