import type { ChangeInput, ChangeKind } from '../../../src-shared/api/changes';

/**
 * CD webhook adapters (R-CHANGE-1): GitHub, Gitea and GitLab push and release
 * payloads become one change. The payload says what and who; the pipeline
 * says where with query parameters (`?service=api&hosts=web1,web2&kind=deploy`),
 * since a repository does not know the hosts it runs on. Unknown events
 * (ping, issues …) are ignored, not errors, so a webhook can send everything.
 */
export type Provider = 'github' | 'gitea' | 'gitlab';

export interface Where {
  service?: string;
  hosts?: string[];
  kind?: ChangeKind;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Which provider sent the request, from its event header. */
export function detectProvider(
  headers: Record<string, string | string[] | undefined>,
): { provider: Provider; event: string; delivery?: string } | null {
  const h = (n: string) => {
    const v = headers[n];
    return Array.isArray(v) ? v[0] : v;
  };
  // Gitea also sends X-GitHub-Event for compatibility, so it is checked first.
  const gitea = h('x-gitea-event');
  if (gitea) return { provider: 'gitea', event: gitea, delivery: h('x-gitea-delivery') };
  const github = h('x-github-event');
  if (github) return { provider: 'github', event: github, delivery: h('x-github-delivery') };
  const gitlab = h('x-gitlab-event');
  if (gitlab) return { provider: 'gitlab', event: gitlab, delivery: h('x-gitlab-event-uuid') ?? h('x-gitlab-webhook-uuid') };
  return null;
}

/** Files a push touched, as review text (migrations and deletions show up here). */
function filesOf(commits: unknown[]): string {
  const lines: string[] = [];
  for (const c of commits.map(obj)) {
    for (const [k, label] of [
      ['added', 'added'],
      ['removed', 'deleted'],
      ['modified', 'modified'],
    ] as const)
      for (const f of arr(c[k])) if (typeof f === 'string') lines.push(`${label} ${f}`);
  }
  return [...new Set(lines)].slice(0, 500).join('\n');
}

const iso = (v: unknown): number | undefined => {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : undefined;
};

/** A provider payload → a change input (not yet validated), or null when the event is not a push or release. */
export function fromProvider(provider: Provider, event: string, body: unknown, where: Where, delivery?: string): ChangeInput | null {
  const b = obj(body);
  const ev = event.toLowerCase();
  const repo = obj(provider === 'gitlab' ? b.project : b.repository);
  const service = where.service ?? str(repo.name);
  const base = {
    kind: where.kind ?? 'deploy',
    service,
    hosts: where.hosts ?? [],
    source: provider,
    ...(delivery ? { externalId: `${provider}:${delivery}` } : {}),
  };
  const isPush = ev === 'push' || ev === 'push hook' || b.object_kind === 'push';
  const isRelease = ev === 'release' || ev === 'release hook' || b.object_kind === 'release';
  if (isPush) {
    const commits = arr(b.commits);
    const head = obj(b.head_commit ?? commits[commits.length - 1]);
    const sha = str(b.after) ?? str(b.checkout_sha) ?? str(head.id);
    if (!sha || /^0+$/.test(sha)) return null; // a branch deletion is not a deploy
    const ref = str(b.ref)?.replace(/^refs\/(heads|tags)\//, '');
    const author =
      str(obj(b.pusher).login) ??
      str(obj(b.pusher).username) ??
      str(obj(b.pusher).name) ??
      str(b.user_username) ??
      str(obj(head.author).username) ??
      str(obj(head.author).name);
    const files = filesOf(commits.length ? commits : [head]);
    return {
      ...base,
      version: ref,
      commit: sha.slice(0, 40),
      author,
      link: str(b.compare) ?? str(b.compare_url) ?? str(head.url) ?? str(repo.html_url) ?? str(repo.web_url),
      at: iso(head.timestamp),
      summary: [
        str(head.message)?.split('\n')[0],
        `${commits.length || 1} commit(s) to ${ref ?? 'a branch'} of ${str(repo.full_name) ?? str(repo.path_with_namespace) ?? service ?? 'a repository'}`,
      ]
        .filter(Boolean)
        .join('\n'),
      ...(files ? { diff: files } : {}),
    };
  }
  if (isRelease) {
    const r = provider === 'gitlab' ? b : obj(b.release);
    const action = str(b.action);
    if (action && !['published', 'released', 'created', 'create'].includes(action)) return null;
    return {
      ...base,
      version: str(r.tag_name) ?? str(r.tag) ?? str(r.name),
      commit: str(obj(r.commit).id) ?? str(r.target_commitish),
      author: str(obj(r.author).login) ?? str(obj(r.author).username) ?? str(obj(obj(r.commit).author).name) ?? str(obj(b.sender).login),
      link: str(r.html_url) ?? str(r.url),
      at: iso(r.published_at) ?? iso(r.released_at) ?? iso(r.created_at),
      summary: [str(r.name), str(r.body) ?? str(r.note) ?? str(r.description)].filter(Boolean).join('\n').slice(0, 4000) || undefined,
    };
  }
  return null;
}

/** `?service=api&hosts=web1,web2&kind=deploy` (also `host=` repeated). */
export function whereFromQuery(q: Record<string, unknown>): Where {
  const list = (v: unknown): string[] =>
    (Array.isArray(v) ? v : typeof v === 'string' ? [v] : [])
      .flatMap((s) => String(s).split(','))
      .map((s) => s.trim())
      .filter(Boolean);
  const hosts = [...list(q.hosts), ...list(q.host)];
  return {
    ...(typeof q.service === 'string' && q.service ? { service: q.service } : {}),
    ...(hosts.length ? { hosts } : {}),
    ...(typeof q.kind === 'string' ? { kind: q.kind as ChangeKind } : {}),
  };
}

/** A plain form post (`curl -d service=api -d version=1.4.2 -d host=web1`): fields as in the JSON form, hosts repeatable or comma-separated. */
export function fromForm(form: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const hosts = [...form.getAll('hosts'), ...form.getAll('host')]
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const [k, v] of form) if (k !== 'host' && k !== 'hosts') out[k] = /^\d+$/.test(v) && k === 'at' ? Number(v) : v;
  if (hosts.length) out.hosts = hosts;
  return out;
}
