/**
 * 工作总结: the half-year work report (`GET /report/half-year`), computed by the server from the
 * registers (crates/tongtu-report). `format=json` returns the document model with every figure
 * and the checks (missing figures, figures changed since the previous run of the same period —
 * each json call records a run); `docx` / `html` / `pdf` download the rendered file.
 */
import { download, request } from './http'

export type Half = 1 | 2
export type Semantics = 'half' | 'year_to_date' | 'on_date' | 'yo_y' | 'year'
export const SEMANTICS: Semantics[] = ['half', 'year_to_date', 'on_date', 'yo_y', 'year']

export interface ReportPeriod {
  year: number
  half: Half
  /** The year recovery figures compare with (default 2019, before the epidemic). */
  base_year: number
}

export interface ReportFigure {
  id: string
  label: string
  unit: string
  section: string
  semantics: Semantics
  /** null: could not be computed (see `missing`), never 0. */
  value: number | null
  /** The formatted value as written in the document. */
  text: string
  /** Why the figure is missing; null when it has a value. */
  missing: string | null
  /** Register key, or `vehicles` / `alarms`. */
  source: string
  /** The rows counted, in Chinese. */
  filter: string
  records: number
  /** The records in the console (`/#/records/<group>?r=<key>&<filters>`). */
  link: string
  /** Whether `link` selects exactly the records counted (else the whole register). */
  link_filtered: boolean
}

/** A list of named records the report cites one by one (`rows("id")`, `@table id`). */
export interface ReportList {
  id: string
  label: string
  section: string
  /** The register of the rows. */
  source: string
  filter: string
  /** [key, header, unit] */
  columns: [string, string, string][]
  items: { record: number; cells: { key: string; text: string; value: number | null }[] }[]
  left_out: number
  error: string | null
}

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'figure'; id: string; text: string; missing: boolean }
  | { type: 'item'; list: string; record: number; key: string; text: string }

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3; inlines: Inline[] }
  | { type: 'paragraph'; inlines: Inline[] }
  | { type: 'table'; caption: string; header: string[]; rows: (Inline[] | string)[][] }
  | { type: 'chart'; caption: string; png: number[]; svg?: string | null; width_mm: number; height_mm: number }

export interface ReportDocument {
  title: string
  subtitle: string[]
  blocks: Block[]
}

/** (figure id, label, reason) */
export type MissingFigure = [string, string, string]

export interface ChangedFigure {
  id: string
  label: string
  before: number | null
  after: number | null
  records_before: number
  records_after: number
  /** When a record behind the figure was last edited (RFC 3339), if that is what changed. */
  edited_at: string | null
}

export interface ReportChecks {
  missing: MissingFigure[]
  changed: ChangedFigure[]
  /** When the previous run of the same period was (RFC 3339); null for the first run. */
  previous_run: string | null
}

export interface HalfYearReport {
  period: ReportPeriod
  /** `2026年上半年` */
  label: string
  figures: ReportFigure[]
  lists: ReportList[]
  checks: ReportChecks
  document: ReportDocument
}

export type ReportFormat = 'docx' | 'html' | 'pdf'

const ACCEPT: Record<ReportFormat, string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document, */*',
  html: 'text/html, */*',
  pdf: 'application/pdf, */*',
}

/** The report as JSON (records a run server-side). Errors are left to the page. */
export function fetchHalfYearReport(year: number, half: Half, baseYear?: number | null): Promise<HalfYearReport> {
  return request<HalfYearReport>('/report/half-year', { query: { year, half, base_year: baseYear ?? undefined, format: 'json' }, quiet: true })
}

/**
 * Downloads the report as DOCX, HTML or PDF under the server's file name; resolves with that
 * name. Errors (503 `pdf_unavailable`, 422 `template_invalid` …) are left to the page.
 */
export function downloadHalfYearReport(year: number, half: Half, format: ReportFormat, baseYear?: number | null): Promise<string> {
  return download('/report/half-year', { year, half, base_year: baseYear ?? undefined, format }, `report-${year}-H${half}.${format}`, ACCEPT[format])
}
