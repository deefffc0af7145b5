import type { Locator, Page } from 'playwright-core';

/** Page object for the console shell: navigation and the Overview. */
export class ConsolePage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.getByRole('navigation', { name: 'Pages' }).waitFor();
  }
  nav(label: string): Locator {
    return this.page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: label, exact: true });
  }
  async goto(label: string): Promise<void> {
    await this.nav(label).click();
    await this.page.getByRole('heading', { level: 1, name: label }).waitFor();
  }
  get connection(): Locator {
    return this.page.getByRole('status').filter({ hasText: /connected|connecting/ });
  }
  get worstStatus(): Locator {
    return this.page.getByTestId('worst-status');
  }
  get tiles(): Locator {
    return this.page.getByTestId('status-tiles').getByRole('article');
  }
  get meta(): Locator {
    return this.page.getByTestId('overview-meta');
  }
}

/** The console's navigation, in order (Alerts first: the landing page when anything fires). */
export const NAV_PAGES = [
  'Alerts',
  'Overview',
  'Events',
  'Queues',
  'Approvals',
  'Incidents',
  'Memory',
  'Hosts',
  'Silences',
  'Smoke',
  'Settings',
  'Audit',
  'People',
] as const;
