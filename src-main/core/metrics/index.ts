// The metrics area as the rest of Vigil sees it: import it through this file only (lint-enforced).
export { DEFAULT_BASELINE, createMetrics, type Metrics } from './registry';
export { answerMetrics, checkMetricsAccess, sameSecret, type MetricsAnswer, type MetricsVerdict } from './access';
export { startMetricsServer, type MetricsServer } from './server';
export { forwardCounters } from './forward';
