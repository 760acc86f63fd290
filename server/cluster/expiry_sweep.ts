/**
 * The expiry sweep (storage `gc`), once per interval for the whole cluster. Each replica's timer
 * fires; the first to claim the interval in the shared `cluster_job` record sweeps and the others
 * skip, so a sweep runs whichever replicas are alive, and moves on by itself when one dies. On the
 * embedded store there is one process and it always sweeps.
 */
import { isClusterStorage } from '../../storage/cluster.js';
import { AlreadyExistsError, NotFoundError } from '../../storage/errors.js';
import type { Storage } from '../../storage/types.js';

export const CLUSTER_JOB_KIND = 'cluster_job';

interface JobRun {
  readonly last_run: number;
}

/** Claims `job` for the interval ending at `now`; false when another replica ran it within it. */
export async function claimInterval(storage: Storage, job: string, now: number, intervalMs: number): Promise<boolean> {
  // A timer that fires a little early on one replica must not run the job twice in one interval.
  const due = (run: JobRun): boolean => run.last_run <= now - intervalMs * 0.9;
  let claimed = false;
  try {
    await storage.update<JobRun>(CLUSTER_JOB_KIND, job, (run) => {
      // Decided afresh on each call: a transaction retried by the backend calls this again.
      claimed = due(run);
      return claimed ? { last_run: now } : run;
    });
    return claimed;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  try {
    await storage.create<JobRun>(CLUSTER_JOB_KIND, job, { last_run: now });
    return true;
  } catch (error) {
    if (error instanceof AlreadyExistsError) return false; // another replica made the first claim
    throw error;
  }
}

/** Removes expired records unless another replica did this interval; resolves to how many went. */
export async function sweepExpired(storage: Storage, now: number, intervalMs: number): Promise<number> {
  if (isClusterStorage(storage) && !(await claimInterval(storage, 'expiry-sweep', now, intervalMs))) return 0;
  return storage.gc(now);
}
