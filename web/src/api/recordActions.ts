/**
 * Register-specific routes beside the generic registers API (`docs/records-api.md`): the
 * bureau's step of an online annual review and the GTFS feed of the bus routes. 409 and 422
 * are left to the callers (the review panel, the GTFS import dialog).
 */
import { download, request, upload } from './http'
import type { RecordRow } from './records'

export type ReviewAction =
  | { action: 'check' }
  | { action: 'approve'; valid_until: string }
  | { action: 'reject'; reason: string }

/** `POST /annual-reviews/{id}/review` → the row. 409: wrong state; 422: `valid_until` / `reason`. */
export function reviewAnnual(id: number, body: ReviewAction): Promise<RecordRow> {
  return request<RecordRow>(`/annual-reviews/${id}/review`, { method: 'POST', body, quiet: [409, 422] })
}

function stamp(): string {
  const d = new Date()
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}`
}

/** `GET /transit/gtfs` → a GTFS zip of the stops and bus routes. */
export function gtfsExport(): Promise<string> {
  return download('/transit/gtfs', undefined, `gtfs-${stamp()}.zip`, 'application/zip, */*')
}

/** What a GTFS import did: counts, flat (`routes_skipped: 2`) or per register (`{inserted, updated}`). */
export type GtfsImportResult = Record<string, number | Record<string, number>>

/** `POST /transit/gtfs` multipart `file` (zip). 422 `import_invalid` lists the bad cells. */
export function gtfsImport(file: File, onProgress: (p: number) => void): Promise<GtfsImportResult> {
  return upload<GtfsImportResult>('/transit/gtfs', file, onProgress, { quiet: [422] })
}
