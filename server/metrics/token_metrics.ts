/** Counts Lanyard tokens issued, renewed and revoked, by wrapping the token service's methods. */
import type { TokenService } from '../tokens/token_service.js';
import type { Metrics } from './metrics.js';

export function countTokens(tokens: TokenService, metrics: Metrics): void {
  const create = tokens.create.bind(tokens);
  const renew = tokens.renew.bind(tokens);
  const revoke = tokens.revoke.bind(tokens);
  const revokeByEntity = tokens.revokeByEntity.bind(tokens);
  tokens.create = async (params) => {
    const issued = await create(params);
    metrics.tokensIssued.inc();
    return issued;
  };
  tokens.renew = async (id, increment) => {
    const renewed = await renew(id, increment);
    metrics.tokensRenewed.inc();
    return renewed;
  };
  tokens.revoke = async (id) => {
    const count = await revoke(id);
    metrics.tokensRevoked.inc(count);
    return count;
  };
  tokens.revokeByEntity = async (entityId) => {
    const count = await revokeByEntity(entityId);
    metrics.tokensRevoked.inc(count);
    return count;
  };
}
