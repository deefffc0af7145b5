import type { Locator, Page } from 'playwright-core';

/** Page objects for Approvals, Hosts (diagnostic console), Incidents and Audit. */
export class ApprovalsPage {
  constructor(readonly page: Page) {}
  get pending(): Locator {
    return this.page.getByTestId('pending-approval');
  }
  card(id: string): Locator {
    return this.page.getByRole('article', { name: `Approval ${id}` });
  }
  get dialog(): Locator {
    return this.page.getByRole('dialog');
  }
  historyRow(text: string): Locator {
    return this.page.getByRole('table', { name: 'Approval history' }).locator('tbody tr').filter({ hasText: text });
  }
}

export class HostsPage {
  constructor(readonly page: Page) {}
  row(host: string): Locator {
    return this.page.getByRole('table', { name: 'Hosts' }).locator('tbody tr').filter({ hasText: host });
  }
  get verdict(): Locator {
    return this.page.getByTestId('diag-verdict');
  }
  get output(): Locator {
    return this.page.getByTestId('diag-output');
  }
  async type(command: string): Promise<void> {
    await this.page.getByLabel('Diagnostic command').fill(command);
  }
  get dialog(): Locator {
    return this.page.getByRole('dialog');
  }
}
