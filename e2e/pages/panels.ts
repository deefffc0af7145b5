import type { Locator, Page } from 'playwright-core';

/** Page objects for the panel-based pages (Overview, Queues, Memory, Smoke). */
class Panels {
  constructor(readonly page: Page) {}
  panel(testId: string): Locator {
    return this.page.getByTestId(testId);
  }
  table(name: string): Locator {
    return this.page.getByRole('table', { name });
  }
  /** Body rows of a table as arrays of cell texts. */
  async rows(name: string): Promise<string[][]> {
    const rows = this.table(name).locator('tbody tr');
    const out: string[][] = [];
    for (let i = 0; i < (await rows.count()); i++) out.push(await rows.nth(i).locator('td').allTextContents());
    return out;
  }
  button(name: string | RegExp): Locator {
    return this.page.getByRole('button', { name });
  }
  get status(): Locator {
    return this.page.getByRole('status');
  }
}

export class OverviewPage extends Panels {
  get smokeTrend(): Locator {
    return this.panel('smoke-trend');
  }
  get eventRate(): Locator {
    return this.panel('event-rate');
  }
  get queues(): Locator {
    return this.panel('queue-health');
  }
  get approvals(): Locator {
    return this.panel('pending-approvals');
  }
  /** Bars or areas drawn by recharts inside a panel. */
  marks(panel: Locator): Locator {
    return panel.locator('.recharts-bar-rectangle path, .recharts-area-area');
  }
}

export class QueuesPage extends Panels {
  channelRow(name: string): Locator {
    return this.table('Channels').locator('tbody tr').filter({ hasText: name });
  }
  get digest(): Locator {
    return this.panel('digest-preview');
  }
  async filterState(state: string): Promise<void> {
    await this.page.getByLabel('Message state').selectOption(state);
  }
}

export class MemoryPage extends Panels {
  async search(query: string, mode: 'auto' | 'semantic' | 'keyword' = 'auto'): Promise<void> {
    await this.page.getByLabel('Memory query').fill(query);
    await this.page.getByLabel('Search mode').selectOption(mode);
    await this.button('Search').click();
  }
  get results(): Locator {
    return this.panel('memory-results');
  }
  async add(title: string, body: string, tags: string): Promise<void> {
    await this.page.getByLabel('Entry title').fill(title);
    await this.page.getByLabel('Entry body').fill(body);
    await this.page.getByLabel('Entry tags').fill(tags);
    await this.button('Save entry').click();
  }
  get flags(): Locator {
    return this.panel('memory-flags');
  }
}

export class SmokePage extends Panels {
  get progress(): Locator {
    return this.page.getByTestId('export-progress');
  }
  get dialog(): Locator {
    return this.page.getByRole('dialog');
  }
  get distribution(): Locator {
    return this.panel('smoke-distribution');
  }
}
