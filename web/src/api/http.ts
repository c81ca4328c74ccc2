/**
 * The one HTTP client of the console. Every call goes to `/api/v1`, sends the session cookie
 * (`credentials: 'same-origin'`) and the `X-Requested-With` header that the backend's CSRF
 * rule requires, and turns `{"error": {...}}` bodies into {@link ApiError}s. Errors are shown
 * with ElMessage unless the caller says it handles that status itself.
 */
import { ElMessage } from 'element-plus'
import { i18n } from '@/i18n'
import type { ErrorBody, FieldError, ImportRowError } from './types'

export const API_BASE = '/api/v1'

const BASE_HEADERS: Record<string, string> = {
  'X-Requested-With': 'XMLHttpRequest',
  Accept: 'application/json',
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | null = null,
    /** Seconds from the `Retry-After` header of a 429. */
    readonly retryAfter: number | null = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** `details.fields` of a 422 `validation_failed`. */
  get fieldErrors(): FieldError[] {
    const f = this.details?.fields
    return Array.isArray(f) ? (f as FieldError[]) : []
  }

  /** `details.errors` of a 422 `import_invalid`. */
  get importErrors(): ImportRowError[] {
    const e = this.details?.errors
    return Array.isArray(e) ? (e as ImportRowError[]) : []
  }
}

type UnauthorizedHandler = () => void
let onUnauthorized: UnauthorizedHandler = () => {}

/** Registers what happens when any call answers 401 (the router sends the user to login). */
export function setUnauthorizedHandler(h: UnauthorizedHandler): void {
  onUnauthorized = h
}

export type QueryValue = string | number | boolean | null | undefined
export type Query = Record<string, QueryValue>

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE'
  query?: Query
  body?: unknown
  /**
   * `true`: never show an ElMessage; a list of statuses: the caller handles those itself.
   * 401 is always routed to the unauthorized handler unless `noAuthRedirect` is set.
   */
  quiet?: boolean | number[]
  noAuthRedirect?: boolean
}

export function buildUrl(path: string, query?: Query): string {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue
    qs.append(k, String(v))
  }
  const s = qs.toString()
  return `${API_BASE}${path}${s ? `?${s}` : ''}`
}

function t(key: string, params?: Record<string, unknown>): string {
  return params ? i18n.global.t(key, params) : i18n.global.t(key)
}

function parseRetryAfter(v: string | null): number | null {
  if (!v) return null
  const n = Number(v)
  if (Number.isFinite(n)) return Math.max(0, Math.ceil(n))
  const d = Date.parse(v)
  return Number.isNaN(d) ? null : Math.max(0, Math.ceil((d - Date.now()) / 1000))
}

function errorFromBody(status: number, text: string, retryAfter: string | null): ApiError {
  let body: Partial<ErrorBody> | null = null
  try {
    body = text ? (JSON.parse(text) as Partial<ErrorBody>) : null
  } catch {
    body = null
  }
  const e = body?.error
  const message = e?.message || t('error.http', { status })
  return new ApiError(status, e?.code ?? `http_${status}`, message, e?.details ?? null, parseRetryAfter(retryAfter))
}

function report(err: ApiError, opts: Pick<RequestOptions, 'quiet' | 'noAuthRedirect'>): void {
  if (err.status === 401 && !opts.noAuthRedirect) {
    onUnauthorized()
    return
  }
  const quiet = opts.quiet
  if (quiet === true) return
  if (Array.isArray(quiet) && quiet.includes(err.status)) return
  ElMessage.error(err.message)
}

async function send(path: string, opts: RequestOptions, accept?: string): Promise<Response> {
  const headers: Record<string, string> = { ...BASE_HEADERS }
  if (accept) headers.Accept = accept
  let body: BodyInit | undefined
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method: opts.method ?? 'GET',
      credentials: 'same-origin',
      headers,
      body,
    })
  } catch {
    const err = new ApiError(0, 'network_error', t('error.network'))
    report(err, opts)
    throw err
  }
  if (!res.ok) {
    const err = errorFromBody(res.status, await res.text(), res.headers.get('Retry-After'))
    report(err, opts)
    throw err
  }
  return res
}

/** Sends a JSON request and returns the parsed body (`undefined` for 204). */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts)
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

function filenameFrom(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      /* fall through to the plain form */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition)
  return plain?.[1]?.trim() || fallback
}

const XLSX_ACCEPT = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, */*'

/**
 * Downloads a file (export, template) with fetch + Blob and saves it under the server's name.
 * `accept` is the `Accept` header (an xlsx by default).
 */
export async function download(
  path: string,
  query: Query | undefined,
  fallbackName: string,
  accept: string = XLSX_ACCEPT,
): Promise<string> {
  const res = await send(path, { query }, accept)
  const blob = await res.blob()
  const name = filenameFrom(res.headers.get('Content-Disposition'), fallbackName)
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  return name
}

/**
 * POSTs a file as multipart field `file` with XHR (fetch cannot report upload progress).
 * `onProgress` receives 0–100.
 */
export function upload<T>(
  path: string,
  file: File,
  onProgress: (percent: number) => void,
  opts: Pick<RequestOptions, 'quiet'> = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', buildUrl(path))
    xhr.withCredentials = false // same-origin: the session cookie is sent anyway
    for (const [k, v] of Object.entries(BASE_HEADERS)) xhr.setRequestHeader(k, v)
    xhr.upload.onprogress = (ev: ProgressEvent) => {
      if (ev.lengthComputable && ev.total > 0) onProgress(Math.round((ev.loaded / ev.total) * 100))
    }
    xhr.onerror = () => {
      const err = new ApiError(0, 'network_error', t('error.network'))
      report(err, opts)
      reject(err)
    }
    xhr.onload = () => {
      onProgress(100) // the upload is complete whatever the answer
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve((xhr.responseText ? JSON.parse(xhr.responseText) : undefined) as T)
        } catch {
          resolve(undefined as T)
        }
        return
      }
      const err = errorFromBody(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After'))
      report(err, opts)
      reject(err)
    }
    const form = new FormData()
    form.append('file', file, file.name)
    xhr.send(form)
  })
}

/** Shows an error that escaped a caller (non-API errors included). */
export function showError(e: unknown): void {
  if (e instanceof ApiError) return // already reported by the client
  ElMessage.error(e instanceof Error ? e.message : String(e))
}
