import type { ComponentType } from 'react';
import type { PageName } from '../../src-shared/constants';
import { Events } from './Events';
import { Memory } from './Memory';
import { Overview } from './Overview';
import { placeholder } from './Placeholder';
import { Queues } from './Queues';
import { Silences } from './Silences';
import { Smoke } from './Smoke';

/** One component per page; each page owns its data fetching through the api client. */
export const pages: Record<PageName, ComponentType> = {
  overview: Overview,
  events: Events,
  queues: Queues,
  approvals: placeholder('Approvals', 'Pending human approvals for heal actions.'),
  incidents: placeholder('Incidents', 'Incidents and the heal log.'),
  memory: Memory,
  hosts: placeholder('Hosts', 'Hosts, checks and the diagnostic console.'),
  silences: Silences,
  smoke: Smoke,
  settings: placeholder('Settings', 'Channels, LLM providers and secrets.'),
  audit: placeholder('Audit', 'The audit chain.'),
};
