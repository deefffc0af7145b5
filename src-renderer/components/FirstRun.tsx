import { useState } from 'react';
import type { FirstRunItem } from '../../src-shared/api/system';
import { Collection } from '../../src-shared/api/topics';
import { useQuery } from '../hooks/useQuery';
import { navigate } from '../store';
import { Badge, ErrorNote, Panel } from './ui';
import './first-run.css';

const DISMISSED = 'vigil.firstRun.dismissed';

/** This server as Alertmanager and Prometheus reach it: the address the console was opened at. */
function serverUrl(): URL | null {
  return location.protocol === 'http:' || location.protocol === 'https:' ? new URL(location.origin) : null;
}

/** The Alertmanager receiver and the Prometheus `alerting` block, with this server's URL and a Bearer credentials line. */
export function sourceSnippets(url: URL | null): { alertmanager: string; prometheus: string } {
  const origin = url ? url.origin : 'http://VIGIL_HOST:PORT';
  const target = url ? url.host : 'VIGIL_HOST:PORT';
  const scheme = url ? url.protocol.replace(':', '') : 'http';
  return {
    alertmanager: [
      '# alertmanager.yml: send every alert to Vigil',
      'route:',
      '  receiver: vigil',
      'receivers:',
      '  - name: vigil',
      '    webhook_configs:',
      `      - url: ${origin}/api/v1/alerts/alertmanager`,
      '        send_resolved: true',
      '        http_config:',
      '          authorization:',
      '            type: Bearer',
      '            credentials: PASTE_INTAKE_TOKEN # printed by: vigil intake-token add alertmanager',
    ].join('\n'),
    prometheus: [
      '# prometheus.yml: Vigil as the Alertmanager Prometheus sends its alerts to',
      'alerting:',
      '  alertmanagers:',
      `    - scheme: ${scheme}`,
      '      api_version: v2',
      '      static_configs:',
      `        - targets: ['${target}']`,
      '      authorization:',
      '        type: Bearer',
      '        credentials: PASTE_INTAKE_TOKEN # printed by: vigil intake-token add prometheus',
    ].join('\n'),
  };
}

function Snippet({ label, text }: { label: string; text: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = () =>
    navigator.clipboard.writeText(text).then(
      () => setCopied('Copied'),
      () => setCopied('Copy failed: select the text and copy it by hand'),
    );
  return (
    <figure className="snippet">
      <figcaption>
        {label}{' '}
        <button onClick={() => void copy()} aria-label={`Copy ${label}`}>
          Copy
        </button>{' '}
        <span role="status" aria-label={`${label} copied`}>
          {copied}
        </span>
      </figcaption>
      <pre aria-label={label}>{text}</pre>
    </figure>
  );
}

const TITLES: Record<FirstRunItem['id'], string> = {
  channel: 'Add a notification channel and send it a test message',
  host: 'Add a host',
  source: 'Point Alertmanager or Prometheus at Vigil',
  alert: 'Send a test alert',
};

function Step({ item }: { item: FirstRunItem }) {
  const snippets = sourceSnippets(serverUrl());
  const settings = (
    <a href="#/settings" onClick={(e) => (e.preventDefault(), navigate('settings'))}>
      Settings
    </a>
  );
  return (
    <li aria-label={`${TITLES[item.id]}: ${item.done ? 'done' : 'to do'}`} className={item.done ? 'step done' : 'step'}>
      <span aria-hidden="true">{item.done ? '✔' : '○'}</span> <strong>{TITLES[item.id]}</strong>{' '}
      {item.done ? <Badge tone="ok">done</Badge> : null} <span className="muted">{item.detail}</span>
      {!item.done && item.id === 'channel' && <p className="muted">In {settings}: add a channel, then "Send test notification".</p>}
      {!item.done && item.id === 'host' && <p className="muted">In {settings}: add a host and confirm its key fingerprint.</p>}
      {!item.done && item.id === 'source' && (
        <>
          <Snippet label="Alertmanager receiver" text={snippets.alertmanager} />
          <Snippet label="Prometheus alerting" text={snippets.prometheus} />
        </>
      )}
      {!item.done && item.id === 'alert' && (
        <p className="muted">
          Fire any alert through Alertmanager, or post one:{' '}
          <code>{`curl -H 'Authorization: Bearer TOKEN' -d '[{"source":"test","severity":"warning","summary":"hello"}]' ${serverUrl()?.origin ?? ''}/api/v1/events`}</code>
        </p>
      )}
    </li>
  );
}

/** The first-run checklist: shown until every step is done by the core's state, or dismissed in this browser. */
export function FirstRun() {
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(DISMISSED) === '1');
  const q = useQuery(
    'setup.checklist',
    {},
    { collections: [Collection.events, Collection.outbox, Collection.settings, Collection.hosts], throttleMs: 1000, pollMs: 15_000 },
  );
  if (dismissed || !q.data || q.data.done) return q.error ? <ErrorNote error={q.error} /> : null;
  const left = q.data.items.filter((i) => !i.done).length;
  const dismiss = () => {
    localStorage.setItem(DISMISSED, '1');
    setDismissed(true);
  };
  return (
    <Panel
      title="Getting started"
      testId="first-run"
      actions={
        <>
          <span className="muted">{left} of 4 left</span> <button onClick={dismiss}>Dismiss</button>
        </>
      }
    >
      <ol className="checklist">
        {q.data.items.map((i) => (
          <Step key={i.id} item={i} />
        ))}
      </ol>
    </Panel>
  );
}
