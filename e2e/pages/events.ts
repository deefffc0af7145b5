import type { Locator, Page } from 'playwright-core';

/** Page object for the Events page: filters, the virtualised grid and the detail pane. */
export class EventsPage {
  constructor(readonly page: Page) {}

  get grid(): Locator {
    return this.page.getByRole('grid', { name: 'Events' });
  }
  /** Data rows currently in the DOM (virtualised: only the visible ones). */
  get rows(): Locator {
    return this.grid.locator('.ev-row');
  }
  get meta(): Locator {
    return this.page.getByTestId('events-meta');
  }
  get detail(): Locator {
    return this.page.getByTestId('event-detail');
  }
  severity(s: 'critical' | 'warning' | 'info'): Locator {
    return this.page.getByLabel(`Severity ${s}`);
  }
  async filterLabel(v: string): Promise<void> {
    await this.page.getByLabel('Label name=value').fill(v);
  }
  async search(v: string): Promise<void> {
    await this.page.getByLabel('Search events').fill(v);
  }
  async status(v: '' | 'firing' | 'resolved'): Promise<void> {
    await this.page.getByLabel('Status', { exact: true }).selectOption(v);
  }
  /** Summaries of the rendered rows, top to bottom. */
  async summaries(): Promise<string[]> {
    return this.rows.locator('[role=gridcell]:nth-child(5)').allTextContents();
  }
  async severities(): Promise<string[]> {
    return this.rows.locator('[role=gridcell]:nth-child(2)').allTextContents();
  }
}

/** Page object for Silences: the matcher editor, its live preview, the list and mute windows. */
export class SilencesPage {
  constructor(readonly page: Page) {}

  matcherName(i: number): Locator {
    return this.page.getByLabel(`Matcher ${i} label name`);
  }
  matcherOp(i: number): Locator {
    return this.page.getByLabel(`Matcher ${i} operator`);
  }
  matcherValue(i: number): Locator {
    return this.page.getByLabel(`Matcher ${i} value`);
  }
  get preview(): Locator {
    return this.page.getByTestId('silence-preview');
  }
  get list(): Locator {
    return this.page.getByRole('table', { name: 'Silences' });
  }
  get muteWindows(): Locator {
    return this.page.getByRole('table', { name: 'Mute windows' });
  }
  /** Signed in, the silence is created by the signed-in person: the form asks for no name. */
  async create(comment: string): Promise<void> {
    await this.page.getByLabel('Comment').fill(comment);
    await this.page.getByRole('button', { name: 'Create silence' }).click();
  }
}
