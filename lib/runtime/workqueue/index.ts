/** The work queue family: plain, delaying, rate-limited, and the rate limiters. */
export { WorkQueue } from './queue';
export { DelayingQueue } from './delaying-queue';
export { RateLimitingQueue } from './rate-limiting-queue';
export {
  type RateLimiter,
  exponentialRateLimiter,
  tokenBucketRateLimiter,
  maxOfRateLimiter,
  defaultControllerRateLimiter,
} from './rate-limiter';
