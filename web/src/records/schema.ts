/**
 * The registers' schema (`GET /records/schema`), loaded once per signed-in user and shared by
 * the menu and the generic register pages, plus the helpers that turn a field declaration into
 * labels, cells and query parameters. Nothing here knows any particular register.
 */
import { computed, ref } from 'vue'
import { fetchSchema, type RecordField, type RecordRegister, type RecordRow, type RecordSchema } from '@/api/records'
import type { Query } from '@/api/http'
import { useAuth } from '@/composables/useAuth'
import { currentLocale } from '@/i18n'

/** The navigation groups of `decl.rs` GROUPS, in menu order. */
export const RECORD_GROUPS = ['projects', 'roads', 'port', 'stats', 'enforcement', 'safety', 'transit', 'services', 'worklog'] as const
export type RecordGroupKey = (typeof RECORD_GROUPS)[number]

const schema = ref<RecordSchema | null>(null)
const failed = ref(false)
/** The user the schema was loaded for (it depends on who asks). */
const loadedFor = ref<number | null>(null)
let pending: Promise<RecordSchema | null> | null = null

/** Loads the schema unless it is already there for the current user. Never throws. */
function loadSchema(force = false): Promise<RecordSchema | null> {
  const uid = useAuth().user.value?.id ?? null
  if (uid === null) {
    schema.value = null
    loadedFor.value = null
    return Promise.resolve(null)
  }
  if (!force && schema.value && loadedFor.value === uid) return Promise.resolve(schema.value)
  if (!pending) {
    pending = fetchSchema()
      .then((s) => {
        schema.value = { groups: s?.groups ?? [], registers: s?.registers ?? [] }
        failed.value = false
        loadedFor.value = uid
        return schema.value
      })
      .catch(() => {
        failed.value = true
        schema.value = null
        loadedFor.value = null
        return null
      })
      .finally(() => {
        pending = null
      })
  }
  return pending
}

function registersOf(group: string): RecordRegister[] {
  return schema.value?.registers.filter((r) => r.group === group) ?? []
}

/** The menu shows a group only once the schema says the user may read one of its registers. */
function groupVisible(group: string): boolean {
  const uid = useAuth().user.value?.id ?? null
  if (uid !== loadedFor.value) return false
  return registersOf(group).length > 0
}

export function useRecordsSchema() {
  return {
    schema: computed(() => schema.value),
    failed: computed(() => failed.value),
    loadSchema,
    registersOf,
    groupVisible,
  }
}

// ---- labels ----

/** The zh or en label of anything carrying both, by the UI language. */
export function loc(x: { zh: string; en: string } | null | undefined): string {
  if (!x) return ''
  return currentLocale.value === 'en' ? x.en || x.zh : x.zh || x.en
}

/** `总投资（万元）` / `Total investment (万元)`. */
export function labelWithUnit(f: RecordField): string {
  const l = loc(f)
  if (!f.unit) return l
  return currentLocale.value === 'en' ? `${l} (${f.unit})` : `${l}（${f.unit}）`
}

export const isNumeric = (f: RecordField) => f.kind === 'int' || f.kind === 'num'
export const isRange = (f: RecordField) => f.kind === 'date' || f.kind === 'month' || f.kind === 'int' || f.kind === 'num'
export const isReference = (f: RecordField) =>
  f.kind === 'code' || f.kind === 'region' || f.kind === 'enterprise' || f.kind === 'vehicle' || f.kind === 'ref'

/** The label of one code of a code field, by locale; the code itself when unknown. */
export function codeLabel(f: RecordField, v: unknown): string {
  if (v === null || v === undefined || v === '') return ''
  const c = f.codes?.find((x) => x.code === String(v))
  return c ? loc(c) : String(v)
}

/** A number as shown in the table: `scale` decimals for `num`, thousands grouped. */
export function formatNumber(f: RecordField, v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v === null || v === undefined ? '' : String(v)
  if (f.kind === 'int') return String(v)
  const scale = Math.max(0, Math.min(6, f.scale ?? 2))
  return v.toLocaleString(currentLocale.value === 'en' ? 'en-US' : 'zh-CN', {
    minimumFractionDigits: scale,
    maximumFractionDigits: scale,
  })
}

/** The text of a field's value in a row (labels of codes and references from `_display`). */
export function displayValue(f: RecordField, row: RecordRow, yesNo: [string, string]): string {
  const v = row[f.key]
  if (v === null || v === undefined || v === '') return ''
  switch (f.kind) {
    case 'code':
      return f.codes?.some((c) => c.code === String(v)) ? codeLabel(f, v) : String(row._display?.[f.key] ?? v)
    case 'region':
    case 'enterprise':
    case 'vehicle':
    case 'ref':
      return String(row._display?.[f.key] ?? `#${String(v)}`)
    case 'int':
    case 'num':
      return formatNumber(f, v)
    case 'bool':
      return v ? yesNo[0] : yesNo[1]
    default:
      return String(v)
  }
}

/** The name of a row (its title field, as displayed), for confirmations. */
export function rowTitle(reg: RecordRegister, row: RecordRow): string {
  const f = reg.fields.find((x) => x.key === reg.title) ?? reg.fields[0]
  const s = f ? displayValue(f, row, ['✓', '✗']) : ''
  return s || `#${row.id}`
}

// ---- filters ----

/** Filter state: one value per equality filter, a `[from, to]` pair per range filter. */
export type FilterValue = string | number | boolean | null | undefined | [unknown, unknown]
export type FilterState = Record<string, FilterValue>

export function emptyFilter(f: RecordField): FilterValue {
  return isRange(f) ? [null, null] : null
}

/** The query parameters of the filters: `f=` for equality, `f_from=` / `f_to=` for ranges. */
export function filterQuery(fields: RecordField[], state: FilterState): Query {
  const out: Query = {}
  for (const f of fields) {
    const v = state[f.key]
    if (isRange(f)) {
      const [from, to] = Array.isArray(v) ? v : [null, null]
      out[`${f.key}_from`] = blank(from) ? undefined : (from as string | number)
      out[`${f.key}_to`] = blank(to) ? undefined : (to as string | number)
    } else if (!Array.isArray(v)) {
      out[f.key] = blank(v) ? undefined : v
    }
  }
  return out
}

/**
 * Filters given in the page's URL (the same names as the API's: `f=`, `f_from=`, `f_to=`; a
 * range field given as `f=` is that single value), as the initial filter state. This is how
 * the report's links open a register with exactly the records behind a figure.
 */
export function filterFromQuery(fields: RecordField[], query: Record<string, unknown>): FilterState {
  const state: FilterState = {}
  const one = (k: string): string | null => {
    const v = query[k]
    const s = Array.isArray(v) ? v[0] : v
    return typeof s === 'string' && s.trim() !== '' ? s.trim() : null
  }
  const typed = (f: RecordField, s: string | null): string | number | boolean | null => {
    if (s === null) return null
    if (['int', 'num', 'region', 'enterprise', 'vehicle', 'ref'].includes(f.kind)) {
      const n = Number(s)
      return Number.isFinite(n) ? n : null
    }
    if (f.kind === 'bool') return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : null
    return s
  }
  for (const f of fields) {
    if (isRange(f)) {
      const exact = typed(f, one(f.key))
      const from = exact ?? typed(f, one(`${f.key}_from`))
      const to = exact ?? typed(f, one(`${f.key}_to`))
      state[f.key] = [from, to]
    } else {
      state[f.key] = typed(f, one(f.key))
    }
  }
  return state
}

export function blank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '')
}
