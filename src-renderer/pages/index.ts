import type { ComponentType } from 'react';
import type { PageName } from '../../src-shared/constants';
import { Alerts } from './Alerts';
import { Approvals } from './Approvals';
import { Audit } from './Audit';
import { Events } from './Events';
import { Hosts } from './Hosts';
import { Incidents } from './Incidents';
import { Memory } from './Memory';
import { Overview } from './Overview';
import { People } from './People';
import { Queues } from './Queues';
import { Settings } from './Settings';
import { Silences } from './Silences';
import { Smoke } from './Smoke';

/** One component per page; each page owns its data fetching through the api client. */
export const pages: Record<PageName, ComponentType> = {
  alerts: Alerts,
  overview: Overview,
  events: Events,
  queues: Queues,
  approvals: Approvals,
  incidents: Incidents,
  memory: Memory,
  hosts: Hosts,
  silences: Silences,
  smoke: Smoke,
  settings: Settings,
  audit: Audit,
  people: People,
};
