// setTimeout fires at once for delays over 2^31 - 1 ms (about 24.8 days): longer waits are capped there.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * What `promise` settles to, or `late()` when it has not settled within `ms` (what it settles to
 * afterwards is then ignored; if `late` throws, the promise rejects). `Infinity` waits for ever.
 * The timer is cleared as soon as the promise settles, and is not unref'd: a run waiting on a
 * check is work the process has not finished, with its receipt still to write.
 */
export function within<T>(promise: Promise<T>, ms: number, late: () => T): Promise<T> {
  if (ms === Infinity) return promise;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Thrown here it would be an uncaught exception, taking the process (and its runs) down.
      try {
        resolve(late());
      } catch (error) {
        reject(error);
      }
    }, Math.min(ms, MAX_TIMER_MS));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
