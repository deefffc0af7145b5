import type { Locator, Page } from 'playwright-core';

/** Page object for Settings: the Secrets panel and the read-only configuration. */
export class SettingsPage {
  constructor(readonly page: Page) {}
  get secrets(): Locator {
    return this.page.getByTestId('settings-secrets');
  }
  get config(): Locator {
    return this.page.getByTestId('settings-config');
  }
  secretRow(name: string): Locator {
    return this.page.getByTestId(`secret-${name}`);
  }
  /** The State cell: "set"/"not set" and where from. */
  secretState(name: string): Locator {
    return this.secretRow(name).locator('td').nth(2);
  }
  secretInput(name: string): Locator {
    return this.page.getByLabel(`New value for ${name}`);
  }
  async enterSecret(name: string, value: string): Promise<void> {
    await this.secretInput(name).fill(value);
    await this.page.getByRole('button', { name: `Save ${name}`, exact: true }).click();
  }
  /** Serialised DOM plus every form field's live value: where an entered secret could linger. */
  async everythingShown(): Promise<string> {
    const html = await this.page.content();
    const values = (await this.page.evaluate(
      `[...document.querySelectorAll('input, textarea, select')].map((el) => el.value).join('\\n')`,
    )) as string;
    return `${html}\n${values}`;
  }
}
