/**
 * Loads one figures endpoint whenever its parameters change: `data` (kept while reloading),
 * `loading`, `error` (an ApiError or any failure). Answers to superseded requests are dropped.
 */
import { ref, shallowRef, watch, type WatchSource } from 'vue'

export function useFigure<T, P>(params: WatchSource<P>, fetcher: (p: P) => Promise<T>) {
  const data = shallowRef<T | null>(null)
  const loading = ref(false)
  const error = shallowRef<unknown>(null)
  let seq = 0
  let last: P | undefined

  async function load(p: P | undefined = last): Promise<void> {
    if (p === undefined) return
    last = p
    const n = ++seq
    loading.value = true
    error.value = null
    try {
      const r = await fetcher(p)
      if (n !== seq) return
      data.value = r
    } catch (e) {
      if (n !== seq) return
      error.value = e
      data.value = null
    } finally {
      if (n === seq) loading.value = false
    }
  }

  watch(params, (p) => void load(p), { immediate: true, deep: true })
  return { data, loading, error, reload: () => load() }
}
