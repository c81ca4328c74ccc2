/** Helpers for the list convention `{items, next_cursor, total}`. */
import type { Page } from './types'

/** A page as sent by the server: the alarm lists send numeric cursors, the console keeps strings. */
export type WirePage<T> = Omit<Page<T>, 'next_cursor'> & { next_cursor: string | number | null }

/** Accepts a `Page` or a bare array (tolerated for small lists such as tokens). */
export function asPage<T>(r: WirePage<T> | T[]): Page<T> {
  if (Array.isArray(r)) return { items: r, next_cursor: null, total: r.length }
  const next = r.next_cursor
  return {
    items: r.items ?? [],
    next_cursor: next === null || next === undefined ? null : String(next),
    total: r.total ?? r.items?.length ?? 0,
  }
}
