/**
 * ojai-failover: fast failover between replicated OJAI document stores, every operation an RxJS Observable.
 *
 * Start with {@link connectFailover} (a {@link FailoverStore} over one table on two or more
 * clusters) or, for one cluster, {@link connect}; both give a {@link Store}.
 *
 * @module ojai-failover
 * @categoryDescription Client
 * One gateway: {@link connect}, its {@link Connection} and the {@link DocumentStore} of a table,
 * and the {@link Store} interface both stores implement.
 * @categoryDescription Failover
 * {@link connectFailover} and {@link FailoverStore}: the timeout race, policies, health, holds,
 * probes, hedging, and their options.
 * @categoryDescription Events
 * What `FailoverStore.events$` emits.
 * @categoryDescription Documents and queries
 * Document values (OJAI types) and the typed-document shapes of `Store<T>` ({@link WithId},
 * {@link Projected}, {@link DocumentShape}), conditions, mutations, queries and field paths, and
 * the extended-JSON codec.
 * @categoryDescription Errors
 * One hierarchy under {@link OjaiError}, each with a stable `code`; {@link isAvailabilityError}
 * tells a sick cluster from an answer.
 * @categoryDescription Internals
 * The building blocks and defaults the library is made of (backoff, holds, hedge budget, policy
 * tables, status classification, value comparison and validation, `DEFAULT_*` constants),
 * exported for tools and tests. An application needs none of them.
 */
export * from './ojai/index.js'
export type * from './store.js'
export * from './driver/index.js'
export * from './failover/index.js'
export * from './connect-failover.js'
export { toAsyncIterable } from './async-iterable.js'
export { DEFAULT_CLOSE_GRACE_MS, type CloseOptions } from './graceful-close.js'
