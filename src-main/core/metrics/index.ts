// The metrics area as the rest of Vigil sees it: import it through this file only (lint-enforced).
export { DEFAULT_BASELINE, DISPATCH_BUCKETS, createMetrics, type Metrics } from './registry';
export { bucketed, BucketedHistogram, countInto, noBuckets, type Buckets } from './bucketed';
export { answerMetrics, checkMetricsAccess, sameSecret, type MetricsAnswer, type MetricsVerdict } from './access';
export { startMetricsServer, type MetricsServer } from './server';
export { forwardCounters } from './forward';
