/** Dictionaries (`/meta`) and regions. */
import { request } from './http'
import type { Meta, Page, Region } from './types'

export function fetchMeta(): Promise<Meta> {
  return request<Meta>('/meta')
}

export async function fetchRegions(): Promise<Region[]> {
  const r = await request<Page<Region>>('/regions', { query: { limit: 500 } })
  return r.items
}
