import { ref, type Ref } from 'vue';

export interface AsyncActionOptions {
  /**
   * Turns a failure into the text shown (return '' when the caller showed it elsewhere, e.g. on a
   * field); without it, or when it returns undefined, the error's own message is shown.
   */
  onError?: (err: unknown) => string | undefined;
  /** Stay busy after success: the action is leaving the page (a redirect to a sign-in). */
  holdOnSuccess?: boolean;
}

export interface AsyncAction {
  /** True while an action runs: buttons that start another one are disabled. */
  busy: Ref<boolean>;
  /** The last action's failure in words ('' when it succeeded). */
  error: Ref<string>;
  /** Runs `fn` busy, with the previous error cleared; its result, or undefined when it failed. */
  run<T>(fn: () => Promise<T>, opts?: AsyncActionOptions): Promise<T | undefined>;
}

/** The busy flag and error text a form or button keeps around its requests. */
export function useAsyncAction(): AsyncAction {
  const busy = ref(false);
  const error = ref('');
  async function run<T>(fn: () => Promise<T>, opts: AsyncActionOptions = {}): Promise<T | undefined> {
    busy.value = true;
    error.value = '';
    let ok = false;
    try {
      const result = await fn();
      ok = true;
      return result;
    } catch (err) {
      error.value = opts.onError?.(err) ?? (err as Error)?.message ?? String(err);
      return undefined;
    } finally {
      if (!(ok && opts.holdOnSuccess)) busy.value = false;
    }
  }
  return { busy, error, run };
}
