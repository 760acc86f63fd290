/**
 * The sign-in page's second factor. After a first factor (password, upstream SSO) the interaction
 * either finishes, or — when a login enforcement covers the sign-in, or the application asked for
 * multi-factor with `acr_values` — shows the code page:
 *
 *   POST …/interaction/:uid/mfa   code → the interaction finishes with amr [first…, "otp", "mfa"]
 *
 * The pending login is the same record the API's `sys/mfa/validate` uses (server/mfa), stored
 * under an id derived from the interaction's uid and its chain id (never shown to the browser), so
 * only the browser holding this interaction's cookie can answer it and nothing secret is in the
 * page. A wrong code keeps the interaction and says why; when the attempts are used up the
 * interaction ends and the application receives `access_denied`.
 *
 * `acr` in the ID token: `urn:lanyard:loa:1fa` for one factor, `urn:lanyard:loa:2fa` for two.
 */
import express, { type Request, type Response, type Router } from 'express';
import { errors, type Provider } from 'oidc-provider';
import type { EntityRecord } from '../../../identity/types.js';
import { identityStore } from '../../../identity/identity_store.js';
import { LanyardError } from '../../../errors.js';
import { requestContext } from '../../../http/request_context.js';
import { finishAuthentication, passkeysOf } from '../../../mfa/passkeys.js';
import { readPendingLogin, startPendingLogin, takePendingLogin, verifyPendingLogin } from '../../../mfa/pending_login.js';
import { readMethod } from '../../../mfa/records.js';
import { constraintsFor } from '../../../mfa/requirement.js';
import { MFA_KINDS, type PendingConstraint, type TotpSecretRecord } from '../../../mfa/types.js';
import type { Services } from '../../../services.js';
import type { AuthMountType } from '../../../sys/init_service.js';
import { sha256Hex } from '../../../util/random.js';
import { ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR, asksForSecondFactor } from '../acr.js';
import { issuerPath } from '../configuration.js';
import { expiredInteractionPage, sendPage } from '../pages.js';
import { requestInstance } from '../request_instance.js';
import { codePage } from '../views/code.js';
import { errorPage } from '../views/messages.js';
import type { CsrfTokens } from './csrf.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface SecondFactorDependencies {
  readonly services: Services;
  readonly csrf: () => Promise<CsrfTokens>;
}

export interface FirstFactor {
  readonly mountType: AuthMountType;
  /** RFC 8176 methods of the first factor: `pwd`, `fed`. */
  readonly amr: readonly string[];
}

export interface SecondFactor {
  /** After a first factor: finish the interaction, or show the code page. */
  afterFirstFactor(req: Request, res: Response, interaction: Interaction, entity: EntityRecord, first: FirstFactor): Promise<void>;
  /** The code form's route. */
  readonly routes: Router;
}

const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });

export function secondFactor(deps: SecondFactorDependencies): SecondFactor {
  const { services } = deps;
  const requestIdOf = (res: Response, interaction: Interaction) => sha256Hex(`oidc-interaction\n${requestInstance(res).name}\n${interaction.uid}\n${interaction.cid}`);

  const finish = async (req: Request, res: Response, accountId: string, amr: readonly string[], acr: string) => {
    // The server clock (not the library's) is the authority on when the user signed in.
    const login = { accountId, ts: Math.floor(services.now() / 1000), amr: [...amr], acr };
    await requestInstance(res).provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
  };

  const renderCode = async (res: Response, interaction: Interaction, entityId: string, constraints: readonly PendingConstraint[], status: number, error?: string) => {
    const instance = requestInstance(res);
    const clientId = String(interaction.params.client_id);
    const client = await instance.provider.Client.find(clientId);
    const entity = await services.storage.get<EntityRecord>('entity', entityId);
    const first = constraints[0]?.method_ids[0];
    const method = first === undefined ? undefined : await readMethod(services.storage, first);
    const action = `${issuerPath(instance.snapshot)}/interaction/${interaction.uid}`;
    // A person with a passkey may use it instead of a code (POST …/mfa/passkey below).
    const hasPasskey = (await passkeysOf(services, entityId)).length > 0;
    const passkey = hasPasskey ? { action: `${action}/mfa/passkey`, optionsUrl: `${action}/passkey/options`, scriptUrl: `${action}/passkey.js` } : undefined;
    sendPage(
      res,
      status,
      codePage({
        clientName: client?.clientName ?? clientId,
        accountName: entity ? displayNameOf(entity) : 'your account',
        action: `${action}/mfa`,
        abortAction: `${action}/abort`,
        csrf: (await deps.csrf()).issue(instance.name, interaction),
        digits: method?.digits ?? 6,
        ...(error === undefined ? {} : { error }),
        ...(passkey === undefined ? {} : { passkey }),
      }),
      { scripts: hasPasskey },
    );
  };

  /** Methods the entity has a secret for: what an `acr_values` request for MFA can use. */
  const enrolledMethods = async (entityId: string): Promise<string[]> =>
    (await services.storage.findBy<TotpSecretRecord>(MFA_KINDS.totpSecret, 'entity', entityId)).map((e) => e.value.method_id);

  const afterFirstFactor: SecondFactor['afterFirstFactor'] = async (req, res, interaction, entity, first) => {
    const mount = await identityStore(services).mounts.byType(first.mountType);
    const mountAccessor = mount?.accessor ?? '';
    const constraints = await constraintsFor(services.storage, { entityId: entity.id, mountAccessor, mountType: first.mountType });
    if (constraints.length === 0 && asksForMfa(interaction)) {
      const methods = await enrolledMethods(entity.id);
      // A passkey alone can answer (POST …/mfa/passkey); a code needs an enrolled method.
      if (methods.length === 0 && (await passkeysOf(services, entity.id)).length === 0) {
        return sendPage(res, 403, errorPage({
          title: 'Two-step verification needed',
          message: 'This application requires two-step verification, but your account has no authenticator app set up. Ask your administrator to set one up.',
          code: 'mfa_not_enrolled',
        }));
      }
      constraints.push({ enforcement: 'acr_values', method_ids: methods });
    }
    if (constraints.length === 0) return finish(req, res, entity.id, first.amr, ACR_SINGLE_FACTOR);
    await startPendingLogin(
      services,
      {
        entity_id: entity.id,
        mount_accessor: mountAccessor,
        mount_type: first.mountType,
        constraints,
        completion: { type: 'oidc-interaction', provider: requestInstance(res).name, uid: interaction.uid, amr: first.amr },
        client_ip: '',
      },
      requestIdOf(res, interaction),
    );
    await renderCode(res, interaction, entity.id, constraints, 200);
  };

  const routes = express.Router({ caseSensitive: true, strict: true });
  routes.post('/interaction/:uid/mfa', form, async (req, res) => {
    let interaction: Interaction;
    try {
      interaction = await requestInstance(res).provider.interactionDetails(req, res);
    } catch (err) {
      if (err instanceof errors.SessionNotFound) return sendPage(res, 400, expiredInteractionPage());
      throw err;
    }
    if (interaction.uid !== req.params.uid) return sendPage(res, 400, expiredInteractionPage());
    if (!(await deps.csrf()).verify(requestInstance(res).name, interaction, (req.body as Record<string, unknown> | undefined)?.csrf)) {
      return sendPage(res, 403, errorPage({ title: 'Please try again', message: 'This form could not be accepted because it did not come from this sign-in page. Go back and submit it again.', code: 'invalid_csrf_token' }));
    }
    const requestId = requestIdOf(res, interaction);
    const pending = await readPendingLogin(services, requestId);
    const completion = pending?.completion;
    if (!pending || completion?.type !== 'oidc-interaction' || completion.uid !== interaction.uid || interaction.prompt.name !== 'login') {
      return sendPage(res, 400, errorPage({ title: 'Sign in again', message: 'This verification step has expired or was already used. Start signing in again from the application.', code: 'mfa_request_expired' }));
    }
    const raw = (req.body as Record<string, unknown>).code;
    const code = typeof raw === 'string' ? raw.replace(/\s+/g, '') : '';
    if (!/^\d{6,8}$/.test(code)) {
      return renderCode(res, interaction, pending.entity_id, pending.constraints, 400, 'Enter the code from your authenticator app: 6 or 8 digits.');
    }
    const result = await verifyPendingLogin(services, requestId, () => code);
    switch (result.status) {
      case 'ok':
        return finish(req, res, result.record.entity_id, [...completion.amr, 'otp', 'mfa'], ACR_MULTI_FACTOR);
      case 'failed': {
        if (result.ended) {
          const outcome = { error: 'access_denied', error_description: 'too many wrong verification codes' };
          return requestInstance(res).provider.interactionFinished(req, res, outcome, { mergeWithLastSubmission: false });
        }
        const why = result.message.startsWith('code already used')
          ? 'That code was already used. Wait until your authenticator app shows a new code, then enter it.'
          : 'That code is not right. Check the code your authenticator app shows for this account and try again.';
        const left = `${result.attemptsLeft} attempt${result.attemptsLeft === 1 ? '' : 's'} left.`;
        return renderCode(res, interaction, pending.entity_id, pending.constraints, 400, `${why} ${left}`);
      }
      case 'locked': {
        const minutes = Math.max(1, Math.ceil(result.retryAfterSeconds / 60));
        res.setHeader('Retry-After', String(result.retryAfterSeconds));
        return renderCode(res, interaction, pending.entity_id, pending.constraints, 429, `Too many wrong codes for this account. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
      }
      case 'missing':
      case 'unknown':
        return sendPage(res, 400, errorPage({ title: 'Sign in again', message: 'This verification step has expired or was already used. Start signing in again from the application.', code: 'mfa_request_expired' }));
    }
  });

  /**
   * The second factor by passkey: a user-verified assertion of a passkey of the same entity that
   * gave the first factor. It satisfies every constraint of the pending login (a passkey with user
   * verification is itself two factors, and phishing-resistant), and spends the request, so a
   * code cannot also be used for it. A refused assertion does not count as a wrong code.
   */
  routes.post('/interaction/:uid/mfa/passkey', form, async (req, res) => {
    let interaction: Interaction;
    try {
      interaction = await requestInstance(res).provider.interactionDetails(req, res);
    } catch (err) {
      if (err instanceof errors.SessionNotFound) return sendPage(res, 400, expiredInteractionPage());
      throw err;
    }
    if (interaction.uid !== req.params.uid) return sendPage(res, 400, expiredInteractionPage());
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!(await deps.csrf()).verify(requestInstance(res).name, interaction, body.csrf)) {
      return sendPage(res, 403, errorPage({ title: 'Please try again', message: 'This form could not be accepted because it did not come from this sign-in page. Go back and submit it again.', code: 'invalid_csrf_token' }));
    }
    const requestId = requestIdOf(res, interaction);
    const pending = await readPendingLogin(services, requestId);
    const completion = pending?.completion;
    if (!pending || completion?.type !== 'oidc-interaction' || completion.uid !== interaction.uid || interaction.prompt.name !== 'login') {
      return sendPage(res, 400, errorPage({ title: 'Sign in again', message: 'This verification step has expired or was already used. Start signing in again from the application.', code: 'mfa_request_expired' }));
    }
    if (typeof body.credential !== 'string' || body.credential === '' || typeof body.challenge_id !== 'string') {
      return renderCode(res, interaction, pending.entity_id, pending.constraints, 400, 'Using a passkey needs JavaScript in this browser. Enter the code from your authenticator app instead.');
    }
    let proven: Awaited<ReturnType<typeof finishAuthentication>> | undefined;
    try {
      proven = await finishAuthentication(services, body.challenge_id, JSON.parse(body.credential) as unknown);
    } catch (err) {
      if (err instanceof SyntaxError) proven = undefined;
      else if (!(err instanceof LanyardError) || err.status >= 500) throw err;
      else requestContext(req).log.info('passkey second factor refused', { provider: requestInstance(res).name, code: err.code, detail: err.detail });
    }
    if (proven === undefined || proven.entityId !== pending.entity_id) {
      return renderCode(res, interaction, pending.entity_id, pending.constraints, 401, 'That passkey could not verify this account. Try again, or enter the code from your authenticator app.');
    }
    const taken = await takePendingLogin(services, requestId);
    if (!taken) return sendPage(res, 400, errorPage({ title: 'Sign in again', message: 'This verification step has expired or was already used. Start signing in again from the application.', code: 'mfa_request_expired' }));
    const kind = proven.passkey.device_type === 'multiDevice' ? 'swk' : 'hwk';
    return finish(req, res, taken.entity_id, [...completion.amr, kind, 'user', 'mfa'], ACR_MULTI_FACTOR);
  });

  return { afterFirstFactor, routes };
}

function asksForMfa(interaction: Interaction): boolean {
  return asksForSecondFactor(interaction.params.acr_values);
}

function displayNameOf(entity: EntityRecord): string {
  return (entity.aliases.find((alias) => alias.mount_type === 'userpass') ?? entity.aliases[0])?.name ?? entity.name;
}
