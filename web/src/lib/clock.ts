/**
 * One shared ticking clock for elapsed times and late/overdue marks: a single timer
 * for the whole page, running only while some component uses it.
 */

import { onScopeDispose, ref, type Ref } from "vue";

const now = ref(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | null = null;

/** `now` in ms, updated every second while the calling component lives. */
export function useNow(): Ref<number> {
  users += 1;
  if (timer === null) {
    now.value = Date.now();
    timer = setInterval(() => (now.value = Date.now()), 1000);
  }
  onScopeDispose(() => {
    users -= 1;
    if (users === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  });
  return now;
}
