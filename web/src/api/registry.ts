/** The four registry collections: list, read, write, delete, export, template, import. */
import { download, request, upload, type Query } from './http'
import { asPage } from './lists'
import type { Page, RegistryItem } from './types'

export type Collection = 'enterprises' | 'vehicles' | 'drivers' | 'terminals'

export async function list(collection: Collection, query: Query): Promise<Page<RegistryItem>> {
  return asPage(await request<Page<RegistryItem>>(`/${collection}`, { query }))
}

export function get(collection: Collection, id: number): Promise<RegistryItem> {
  return request<RegistryItem>(`/${collection}/${id}`)
}

/** Create and update let the caller show 409 and 422 next to the form. */
export function create(collection: Collection, body: Record<string, unknown>): Promise<RegistryItem> {
  return request<RegistryItem>(`/${collection}`, { method: 'POST', body, quiet: [409, 422] })
}

export function update(collection: Collection, id: number, body: Record<string, unknown>): Promise<RegistryItem> {
  return request<RegistryItem>(`/${collection}/${id}`, { method: 'PUT', body, quiet: [409, 422] })
}

export function remove(collection: Collection, id: number): Promise<void> {
  return request<void>(`/${collection}/${id}`, { method: 'DELETE' })
}

function stamp(): string {
  const d = new Date()
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}`
}

export function exportXlsx(collection: Collection, filters: Query): Promise<string> {
  return download(`/${collection}/export`, filters, `${collection}-${stamp()}.xlsx`)
}

export function templateXlsx(collection: Collection): Promise<string> {
  return download(`/${collection}/template`, undefined, `${collection}-template.xlsx`)
}

export function importXlsx(collection: Collection, file: File, onProgress: (p: number) => void): Promise<{ imported: number }> {
  return upload<{ imported: number }>(`/${collection}/import`, file, onProgress, { quiet: [422] })
}
