/** Dictionaries from `/meta` and the region list, loaded once and labelled in the UI language. */
import { ref } from 'vue'
import { fetchMeta, fetchRegions } from '@/api/meta'
import type { DictEntry, DictName, Meta, Region } from '@/api/types'
import { currentLocale } from '@/i18n'

const meta = ref<Meta | null>(null)
const regions = ref<Region[]>([])
let metaLoading: Promise<void> | null = null
let regionsLoading: Promise<void> | null = null

function loadMeta(): Promise<void> {
  if (meta.value) return Promise.resolve()
  metaLoading ??= fetchMeta()
    .then((m) => {
      meta.value = m
    })
    .finally(() => {
      metaLoading = null
    })
  return metaLoading
}

function loadRegions(): Promise<void> {
  if (regions.value.length) return Promise.resolve()
  regionsLoading ??= fetchRegions()
    .then((r) => {
      regions.value = r
    })
    .finally(() => {
      regionsLoading = null
    })
  return regionsLoading
}

function entries(dict: DictName): DictEntry[] {
  return meta.value?.[dict] ?? []
}

function entryLabel(e: DictEntry): string {
  return currentLocale.value === 'en' ? e.en : e.zh
}

/** Label of a code in a dictionary; the raw code when unknown. */
function label(dict: DictName, code: unknown): string {
  if (code === null || code === undefined || code === '') return ''
  const e = entries(dict).find((x) => String(x.code) === String(code))
  return e ? entryLabel(e) : String(code)
}

function regionName(id: unknown): string {
  if (id === null || id === undefined) return ''
  return regions.value.find((r) => r.id === Number(id))?.name ?? String(id)
}

export function useMeta() {
  return { meta, regions, loadMeta, loadRegions, entries, entryLabel, label, regionName }
}
