/**
 * Per-call options that every Store refuses the same way (the driver's DocumentStore and the
 * FailoverStore check them with one set of rules): the call, and what the InvalidOptionsError says.
 */
import type { Observable } from 'rxjs'
import type { Store } from '../../lib/store.js'
import { bad } from './thrown.js'

export const BAD_CALL_OPTIONS: readonly (readonly [string, (s: Store) => Observable<unknown>, string])[] = [
  [
    'findById { timout: 5 }',
    (s) => s.findById('k', bad({ timout: 5 })),
    'findById options: unknown option "timout" (did you mean "timeoutMs"?)',
  ],
  [
    'findById { timeoutMS: 1 }',
    (s) => s.findById('k', bad({ timeoutMS: 1 })),
    'findById options: unknown option "timeoutMS" (did you mean "timeoutMs"?)',
  ],
  [
    'insert { stratgy: "failover" }',
    (s) => s.insert({ _id: 'k' }, bad({ stratgy: 'failover' })),
    'insert options: unknown option "stratgy" (did you mean "strategy"?)',
  ],
  ['findById { hedge: "yes" }', (s) => s.findById('k', bad({ hedge: 'yes' })), 'hedge must be true or false; got "yes"'],
  ['find { allowRestart: "yes" }', (s) => s.find({}, bad({ allowRestart: 'yes' })), 'allowRestart must be true or false; got "yes"'],
  ['findById { fields: [""] }', (s) => s.findById('k', { fields: [''] }), 'fields[0] must be a non-empty field path such as "a.b"; got ""'],
  [
    'findById { fields: "a" }',
    (s) => s.findById('k', bad({ fields: 'a' })),
    'fields must be an array, each item a non-empty field path such as "a.b"; got "a"',
  ],
  ['find a key that belongs to findById', (s) => s.find({}, bad({ fields: ['a'] })), 'find options: unknown option "fields"'],
  [
    'delete { strategy: "sometimes" }',
    (s) => s.delete('k', bad({ strategy: 'sometimes' })),
    'strategy must be one of primary-only, current-only, failover-if-unsent, failover; got "sometimes"',
  ],
  ['delete with options 5', (s) => s.delete('k', bad(5)), 'delete options must be an object; got 5'],
]
