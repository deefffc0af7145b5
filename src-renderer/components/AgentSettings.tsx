import { duration } from '../format';
import { useQuery } from '../hooks/useQuery';
import { Badge, ErrorNote, Panel } from './ui';
import { Collection } from '../../src-shared/api/topics';

/** NemoTron (LLM triage) and OpenClaw (memory) as configured in vigil.yaml; read-only, the key is never shown. */
export function AgentSettings() {
  const q = useQuery('agents.status', {}, { collections: [Collection.events, Collection.memory], pollMs: 30_000 });
  const s = q.data;
  const fallbacks = s ? Object.entries(s.fallbacks).filter(([, n]) => n > 0) : [];
  return (
    <Panel title="AI agents" testId="settings-agents">
      <ErrorNote error={q.error} />
      {s && (
        <dl className="facts">
          <dt>NemoTron triage</dt>
          <dd>
            {s.nemotron ? (
              <>
                <Badge tone={s.nemotron.keySet || s.nemotron.provider === 'ollama' ? 'ok' : 'warning'}>{s.nemotron.provider}</Badge>{' '}
                <code>{s.nemotron.baseUrl}</code>
                <div>
                  models (fallback order): <code>{s.nemotron.models.join(' → ')}</code>
                </div>
                <div className="muted">
                  key {s.nemotron.keySecret ? <code>{s.nemotron.keySecret}</code> : '(none)'}:{' '}
                  {s.nemotron.keySet ? 'set' : 'not set — every triage falls back to Hermes (no_key)'} · per call{' '}
                  {duration(s.nemotron.timeoutMs)} · triage budget {duration(s.nemotron.triageBudgetMs)} · {s.nemotron.maxSteps} steps ·{' '}
                  {s.nemotron.maxTokens} tokens
                </div>
              </>
            ) : (
              <span className="muted">off (no llm section): Hermes rules triage every event</span>
            )}
          </dd>
          <dt>Triage since start</dt>
          <dd>
            {Object.entries(s.triage)
              .map(([agent, n]) => `${agent} ${n}`)
              .join(' · ')}
            {fallbacks.length > 0 && <div className="muted">fallbacks to Hermes: {fallbacks.map(([r, n]) => `${r} ${n}`).join(' · ')}</div>}
          </dd>
          <dt>OpenClaw memory</dt>
          <dd>
            {s.embeddings.model ? (
              <>
                {s.embeddings.provider} <code>{s.embeddings.model}</code> at <code>{s.embeddings.baseUrl}</code> · {s.embeddings.vectors}{' '}
                vectors
              </>
            ) : (
              <span className="muted">no embedding provider: memory search uses keywords</span>
            )}
          </dd>
        </dl>
      )}
    </Panel>
  );
}
