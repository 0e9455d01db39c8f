/**
 * The longest delay a Node timer can hold: 2^31-1 ms, about 24.8 days. Node clamps a longer one
 * to 1 ms, so a longer time limit would fire at once; every option that arms a timer stops here.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1
