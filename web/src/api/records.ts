/**
 * The registers API (`docs/records-api.md`): every register the server declares, described by
 * `GET /records/schema`, with the same routes for all of them. Create and update leave 422
 * (field errors) to the form; import leaves 422 (cell errors) to the import dialog; delete
 * leaves 409 (the row is referred to) to the caller. Both surface as {@link ApiError}.
 */
import { download, request, upload, type Query } from './http'
import { asPage } from './lists'
import type { Page } from './types'

export type RecordKind =
  | 'text'
  | 'long_text'
  | 'int'
  | 'num'
  | 'date'
  | 'month'
  | 'bool'
  | 'code'
  | 'region'
  | 'enterprise'
  | 'vehicle'
  | 'ref'

/** One allowed value of a `code` field. */
export interface RecordCode {
  code: string
  zh: string
  en: string
}

export interface RecordField {
  key: string
  zh: string
  en: string
  kind: RecordKind
  unit: string | null
  required: boolean
  list: boolean
  filter: boolean
  help: string | null
  min?: number | null
  max?: number | null
  scale?: number | null
  max_len?: number | null
  codes?: RecordCode[] | null
  /** `ref`: the referenced register's key. */
  ref?: string | null
}

export type RecordAccess = 'bureau' | 'public' | 'enterprise'

export interface RecordRegister {
  key: string
  zh: string
  en: string
  group: string
  about: string | null
  /** The field naming a row. */
  title: string
  access: RecordAccess | string
  access_field: string | null
  /** Whether the caller may create, edit, delete and import. */
  writable: boolean
  order: { field: string; desc: boolean } | null
  unique: string[][]
  /** Relations between two fields the server enforces (checked by the form too). */
  rules?: RecordRule[]
  fields: RecordField[]
}

/** `not_before`: the date `to` is not before `from`; `at_most`: the number `part` ≤ `whole`. */
export type RecordRule = { kind: 'not_before'; from: string; to: string } | { kind: 'at_most'; part: string; whole: string }

export interface RecordGroup {
  key: string
  zh: string
  en: string
}

export interface RecordSchema {
  groups: RecordGroup[]
  registers: RecordRegister[]
}

/** A row: field values by key, plus ids, times and the labels of coded/referenced values. */
export type RecordRow = {
  id: number
  created_at?: string
  updated_at?: string
  _display?: Record<string, string | null> | null
} & Record<string, unknown>

export interface RecordOption {
  id: number
  label: string
}

export interface ImportResult {
  inserted: number
  updated: number
}

export type ExportFormat = 'xlsx' | 'csv'

const seg = (key: string) => `/records/${encodeURIComponent(key)}`

/** Every register the caller may read. Quiet: the menu must not toast when it fails. */
export function fetchSchema(): Promise<RecordSchema> {
  return request<RecordSchema>('/records/schema', { quiet: true })
}

/** One register (404 unknown, 403 not visible). */
export function fetchRegister(key: string): Promise<RecordRegister> {
  return request<RecordRegister>(`/records/schema/${encodeURIComponent(key)}`)
}

/** `q`, `limit`, `cursor`, `sort` (`field` / `-field`) and the filters (`f`, `f_from`, `f_to`). */
export async function list(key: string, query: Query): Promise<Page<RecordRow>> {
  return asPage(await request<Page<RecordRow>>(seg(key), { query }))
}

export function get(key: string, id: number): Promise<RecordRow> {
  return request<RecordRow>(`${seg(key)}/${id}`)
}

export function create(key: string, body: Record<string, unknown>): Promise<RecordRow> {
  return request<RecordRow>(seg(key), { method: 'POST', body, quiet: [409, 422] })
}

/** A full replacement: `body` carries every field. */
export function update(key: string, id: number, body: Record<string, unknown>): Promise<RecordRow> {
  return request<RecordRow>(`${seg(key)}/${id}`, { method: 'PUT', body, quiet: [409, 422] })
}

export function remove(key: string, id: number): Promise<void> {
  return request<void>(`${seg(key)}/${id}`, { method: 'DELETE', quiet: [409] })
}

/** Picker options of a register (for `ref` fields pointing at it), at most 50. */
export async function options(key: string, q: string): Promise<RecordOption[]> {
  const r = await request<{ items: RecordOption[] }>(`${seg(key)}/options`, { query: { q: q.trim() } })
  return r?.items ?? []
}

function stamp(): string {
  const d = new Date()
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}`
}

export function templateXlsx(key: string): Promise<string> {
  return download(`${seg(key)}/template`, undefined, `${key}-template.xlsx`)
}

/** The rows matching `filters` (the list's query without cursor/limit) as xlsx or csv. */
export function exportFile(key: string, format: ExportFormat, filters: Query): Promise<string> {
  return download(`${seg(key)}/export`, { ...filters, format }, `${key}-${stamp()}.${format}`)
}

export function importXlsx(key: string, file: File, onProgress: (p: number) => void): Promise<ImportResult> {
  return upload<ImportResult>(`${seg(key)}/import`, file, onProgress, { quiet: [422] })
}
