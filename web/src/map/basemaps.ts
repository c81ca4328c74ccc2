/**
 * The basemap switcher's state, shared by the live map and playback: the offline basemap
 * (always there) or one of the operator's online tile services (`GET /map/sources`). Pages
 * place every position through `project`, which shifts WGS-84 to GCJ-02 while a GCJ-02
 * source is shown.
 */
import { ref } from 'vue'
import { request } from '@/api/http'
import { wgs84ToGcj02 } from './gcj02'
import type { MlMap } from './maplibre'

export interface MapSource {
  id: string
  name: string
  tiles: string[]
  labels: string[]
  crs: 'wgs84' | 'gcj02'
  attribution: string
  max_zoom: number
}

export const OFFLINE = 'offline'
const STORAGE_KEY = 'tongtu.basemap'
/** Layers of the offline basemap, hidden under online tiles. */
const OFFLINE_LAYERS = ['graticule', 'roads', 'places', 'place-labels']

function saved(): string {
  try {
    return localStorage.getItem(STORAGE_KEY) || OFFLINE
  } catch {
    return OFFLINE
  }
}

export const sources = ref<MapSource[]>([])
export const current = ref<string>(saved())
let loading: Promise<void> | null = null

/** Loads the configured sources once; an unknown saved choice falls back to offline. */
export function loadSources(): Promise<void> {
  loading ??= request<MapSource[]>('/map/sources', { quiet: true })
    .then((list) => {
      sources.value = list
    })
    .catch(() => {
      sources.value = []
    })
    .finally(() => {
      if (!sources.value.some((s) => s.id === current.value)) current.value = OFFLINE
    })
  return loading
}

export function activeSource(): MapSource | null {
  return sources.value.find((s) => s.id === current.value) ?? null
}

export function setBasemap(id: string): void {
  current.value = id
  try {
    localStorage.setItem(STORAGE_KEY, id)
  } catch {
    /* storage may be unavailable */
  }
}

/** Where a WGS-84 position is drawn on the current basemap. */
export function project(lon: number, lat: number): [number, number] {
  return activeSource()?.crs === 'gcj02' ? wgs84ToGcj02(lon, lat) : [lon, lat]
}

/** Shows the current basemap on `map` (call after the offline layers were added). */
export function applyBasemap(map: MlMap): void {
  for (const id of ['online-labels', 'online-tiles']) if (map.getLayer(id)) map.removeLayer(id)
  for (const id of ['online-labels', 'online']) if (map.getSource(id)) map.removeSource(id)
  const s = activeSource()
  for (const id of OFFLINE_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', s ? 'none' : 'visible')
  if (!s) return
  const before = map.getLayer('graticule') ? 'graticule' : undefined
  map.addSource('online', { type: 'raster', tiles: s.tiles, tileSize: 256, maxzoom: s.max_zoom, attribution: s.attribution })
  map.addLayer({ id: 'online-tiles', type: 'raster', source: 'online' }, before)
  if (s.labels.length) {
    map.addSource('online-labels', { type: 'raster', tiles: s.labels, tileSize: 256, maxzoom: s.max_zoom })
    map.addLayer({ id: 'online-labels', type: 'raster', source: 'online-labels' }, before)
  }
}
