import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ChangeInput } from '../../../src-shared/api/changes';
import { roleAtLeast, roleRefusal } from '../../../src-shared/api/people';
import { describeZodError } from '../../../src-shared/result';
import { detectProvider, fromForm, fromProvider, whereFromQuery } from '../../core/changes';
import { resolveSecret } from '../../core/config';
import { bearer, tokenMatches } from '../auth';
import { sendError } from '../http';
import type { HttpAccess } from '../access';
import type { RouteModule } from './index';

const sameHex = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Who may post a change: a responder's personal token or an intake token (Bearer), or the `changes.token`
 * secret sent the way each CD system can — Bearer, GitLab's X-Gitlab-Token,
 * or GitHub's/Gitea's HMAC-SHA256 signature of the raw body. Anything else is 401.
 */
function authorised(req: FastifyRequest, raw: Buffer, access: HttpAccess, hookSecret: string | undefined): boolean {
  // A person from responder up, or an intake token (a CD system posting is intake).
  const p = access.principal(req);
  if (p && (p.kind === 'intake' || roleAtLeast(p.actor.role, 'responder'))) return true;
  const presented = bearer(req.headers.authorization);
  if (!hookSecret) return false;
  if (tokenMatches(presented, hookSecret)) return true;
  const gitlab = req.headers['x-gitlab-token'];
  if (typeof gitlab === 'string' && tokenMatches(gitlab, hookSecret)) return true;
  const mac = createHmac('sha256', hookSecret).update(raw).digest('hex');
  const gh = req.headers['x-hub-signature-256'];
  if (typeof gh === 'string' && sameHex(gh.replace(/^sha256=/, ''), mac)) return true;
  const gitea = req.headers['x-gitea-signature'];
  return typeof gitea === 'string' && sameHex(gitea, mac);
}

/**
 * `POST /api/v1/changes` (R-CHANGE-1): our JSON form, a plain form post
 * (`curl -d service=api -d version=1.4.2`), or a GitHub/Gitea/GitLab push or
 * release webhook (`?service=&hosts=&kind=` say where it was deployed).
 * The body is kept raw so signatures are checked over the exact bytes.
 */
export const changeRoutes: RouteModule = async (app, { core, access }) => {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
      scope.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    }
    scope.post('/api/v1/changes', async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const secretRef = core.ctx.config.changes.token;
      if (!authorised(req, raw, access, secretRef ? resolveSecret(core.ctx.secrets, secretRef) : undefined)) {
        const p = access.principal(req);
        if (p?.kind === 'person')
          return sendError(reply, 'forbidden', roleRefusal(p.actor.name, p.actor.role, 'POST /api/v1/changes', 'responder'));
        return sendError(
          reply,
          'unauthorized',
          'missing or wrong token: send "Authorization: Bearer <token>" (or the changes.token webhook secret)',
        );
      }
      let body: unknown;
      const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      try {
        body = form ? fromForm(new URLSearchParams(raw.toString('utf8'))) : raw.length ? JSON.parse(raw.toString('utf8')) : {};
      } catch (e) {
        return sendError(reply, 'bad_request', `body is not valid JSON: ${(e as Error).message}`);
      }
      const sender = detectProvider(req.headers);
      const where = whereFromQuery(req.query as Record<string, unknown>);
      const input = sender
        ? fromProvider(sender.provider, sender.event, body, where, sender.delivery)
        : { ...where, ...(body as object), ...(form ? { source: 'curl' } : {}) };
      if (!input) return reply.code(202).send({ ignored: `${sender?.provider} ${sender?.event} is not a push or release` });
      const parsed = ChangeInput.safeParse(input);
      if (!parsed.success) return sendError(reply, 'bad_request', describeZodError(parsed.error));
      const r = await core.call('changes.add', parsed.data);
      return r.ok ? reply.code(201).send(r.value) : sendError(reply, r.error.code, r.error.message);
    });
  });
};
