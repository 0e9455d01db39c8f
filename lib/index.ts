/**
 * ojai-failover: fast failover between replicated OJAI document stores, every operation an RxJS Observable.
 */
export * from './ojai/index.js'
export type * from './store.js'
export * from './driver/index.js'
export * from './failover/index.js'
export * from './connect-failover.js'
export { toAsyncIterable } from './async-iterable.js'
export { DEFAULT_CLOSE_GRACE_MS, type CloseOptions } from './graceful-close.js'
