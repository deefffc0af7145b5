/** What an alert is about, read from its labels: the host and the service a change may have touched. */
export const alertHost = (labels: Record<string, string>): string | null =>
  labels.host ?? labels.hostname ?? labels.instance?.replace(/:\d+$/, '') ?? null;
export const alertService = (labels: Record<string, string>): string | null => labels.service ?? labels.app ?? labels.job ?? null;
