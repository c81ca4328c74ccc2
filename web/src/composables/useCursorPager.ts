/**
 * Cursor pagination: the server gives `next_cursor`; going back pops a stack of the cursors
 * that opened the earlier pages.
 */
import { computed, ref, shallowRef } from 'vue'
import type { Page } from '@/api/types'
import { useApi } from './useApi'

export function useCursorPager<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>) {
  const items = shallowRef<T[]>([])
  const total = ref(0)
  const nextCursor = ref<string | null>(null)
  /** Cursors of the pages before the current one; the current page's cursor is `current`. */
  const stack = ref<(string | null)[]>([])
  const current = ref<string | null>(null)
  /** The last load failed (the HTTP client has shown why): pages show an error state. */
  const failed = ref(false)
  const { loading, run } = useApi()

  async function load(cursor: string | null): Promise<boolean> {
    const page = await run(() => fetchPage(cursor))
    failed.value = !page
    if (!page) return false
    items.value = page.items
    total.value = page.total
    nextCursor.value = page.next_cursor
    return true
  }

  /** Back to the first page (after a filter change, create, delete, import). */
  async function reload(): Promise<void> {
    stack.value = []
    current.value = null
    await load(null)
  }

  /** Reloads the page being shown (after an edit). */
  async function refresh(): Promise<void> {
    await load(current.value)
  }

  async function next(): Promise<void> {
    if (!nextCursor.value) return
    const target = nextCursor.value
    if (await load(target)) {
      stack.value = [...stack.value, current.value]
      current.value = target
    }
  }

  async function prev(): Promise<void> {
    if (!stack.value.length) return
    const target = stack.value[stack.value.length - 1] ?? null
    if (await load(target)) {
      stack.value = stack.value.slice(0, -1)
      current.value = target
    }
  }

  return {
    items,
    total,
    loading,
    failed,
    pageNo: computed(() => stack.value.length + 1),
    hasNext: computed(() => nextCursor.value !== null),
    hasPrev: computed(() => stack.value.length > 0),
    reload,
    refresh,
    next,
    prev,
  }
}
