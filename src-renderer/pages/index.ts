import type { ComponentType } from 'react';
import type { PageName } from '../../src-shared/constants';
import { Events } from './Events';
import { Overview } from './Overview';
import { placeholder } from './Placeholder';
import { Silences } from './Silences';

/** One component per page; each page owns its data fetching through the api client. */
export const pages: Record<PageName, ComponentType> = {
  overview: Overview,
  events: Events,
  queues: placeholder('Queues', 'Router intake, the outbox per channel and the embedding queue.'),
  approvals: placeholder('Approvals', 'Pending human approvals for heal actions.'),
  incidents: placeholder('Incidents', 'Incidents and the heal log.'),
  memory: placeholder('Memory', 'OpenClaw memory search.'),
  hosts: placeholder('Hosts', 'Hosts, checks and the diagnostic console.'),
  silences: Silences,
  smoke: placeholder('Smoke', 'Smoke check history and trends.'),
  settings: placeholder('Settings', 'Channels, LLM providers and secrets.'),
  audit: placeholder('Audit', 'The audit chain.'),
};
