/** Helpers for the list convention `{items, next_cursor, total}`. */
import type { Page } from './types'

/** Accepts a `Page` or a bare array (tolerated for small lists such as tokens). */
export function asPage<T>(r: Page<T> | T[]): Page<T> {
  if (Array.isArray(r)) return { items: r, next_cursor: null, total: r.length }
  return { items: r.items ?? [], next_cursor: r.next_cursor ?? null, total: r.total ?? r.items?.length ?? 0 }
}
