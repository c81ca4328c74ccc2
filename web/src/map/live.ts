/**
 * Shared by the live map and track playback: the offline basemap (roads by class, places as
 * labelled points), text drawn into images on demand (the offline style has no glyph server,
 * so labels and cluster counts are `icon-image`s named `txt:<style>:<text>` that are rendered
 * on a canvas the first time MapLibre asks for them) and the vehicle arrow icons per state.
 */
import type { FeatureCollection } from 'geojson'
import type { MlMap } from './maplibre'

export const STATE_COLORS = {
  moving: '#2e9a5e',
  stopped: '#1f6fd1',
  offline: '#9aa3ad',
  never: '#c4c9cf',
  alarming: '#e03c31',
} as const
export type ColorKey = keyof typeof STATE_COLORS

const ROAD_COLORS: Record<string, string> = {
  expressway: '#e8923a',
  national: '#e3b34a',
  provincial: '#d9c56e',
  county: '#b9c2cc',
  urban: '#c8cfd8',
  port: '#8fb3d9',
}

const ratio = () => Math.max(1, Math.min(2, window.devicePixelRatio || 1))

/** Renders `txt:<style>:<text>` images when a layer first needs them. */
export function enableTextImages(map: MlMap): void {
  // MapLibre 6: only the resolver may add an image for the current request (the
  // `styleimagemissing` event is informational).
  map.setMissingStyleImageResolver((id: string) => {
    if (!id.startsWith('txt:') || map.hasImage(id)) return
    const rest = id.slice(4)
    const sep = rest.indexOf(':')
    const style = rest.slice(0, sep)
    const text = rest.slice(sep + 1)
    const r = ratio()
    const cluster = style === 'cluster'
    const font = cluster ? `600 ${12 * r}px sans-serif` : `${12 * r}px sans-serif`
    const c = document.createElement('canvas')
    const ctx = c.getContext('2d')
    if (!ctx) return
    ctx.font = font
    const w = Math.ceil(ctx.measureText(text).width) + 8 * r
    const h = Math.ceil(16 * r)
    c.width = cluster ? Math.max(w, h) : w
    c.height = h
    ctx.font = font
    ctx.textAlign = 'center'
    ctx.textBaseline = 'middle'
    if (cluster) {
      ctx.fillStyle = '#ffffff'
    } else {
      ctx.lineWidth = 3 * r
      ctx.strokeStyle = 'rgba(255,255,255,0.95)'
      ctx.strokeText(text, c.width / 2, h / 2)
      ctx.fillStyle = style === 'plate' ? '#1d2733' : '#4d5966'
    }
    ctx.fillText(text, c.width / 2, h / 2)
    const data = ctx.getImageData(0, 0, c.width, c.height)
    map.addImage(id, { width: c.width, height: c.height, data: new Uint8Array(data.data.buffer) }, { pixelRatio: r })
  })
}

/** Arrow icons `veh-<state>` (pointing north; `icon-rotate` turns them by heading). */
export function addVehicleIcons(map: MlMap): void {
  const r = ratio()
  const s = 22 * r
  for (const [key, color] of Object.entries(STATE_COLORS)) {
    const c = document.createElement('canvas')
    c.width = s
    c.height = s
    const ctx = c.getContext('2d')
    if (!ctx) continue
    ctx.beginPath()
    ctx.moveTo(s / 2, 2 * r)
    ctx.lineTo(s - 4 * r, s - 3 * r)
    ctx.lineTo(s / 2, s - 7 * r)
    ctx.lineTo(4 * r, s - 3 * r)
    ctx.closePath()
    ctx.fillStyle = color
    ctx.fill()
    ctx.lineWidth = 1.5 * r
    ctx.strokeStyle = '#ffffff'
    ctx.stroke()
    const data = ctx.getImageData(0, 0, s, s)
    map.addImage(`veh-${key}`, { width: s, height: s, data: new Uint8Array(data.data.buffer) }, { pixelRatio: r })
  }
}

/** Adds the basemap layers under everything else (call right after the map loads). */
export function addBasemap(map: MlMap, data: FeatureCollection): void {
  map.addSource('basemap', { type: 'geojson', data })
  const roadColor: unknown[] = ['match', ['get', 'class']]
  for (const [k, v] of Object.entries(ROAD_COLORS)) roadColor.push(k, v)
  roadColor.push('#c8cfd8')
  map.addLayer({
    id: 'roads',
    type: 'line',
    source: 'basemap',
    filter: ['==', ['geometry-type'], 'LineString'],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      'line-color': roadColor as any,
      'line-width': [
        'interpolate', ['linear'], ['zoom'],
        8, ['match', ['get', 'class'], 'expressway', 2, 'national', 1.6, 'provincial', 1.2, 0.6],
        14, ['match', ['get', 'class'], 'expressway', 6, 'national', 5, 'provincial', 4, 2.5],
      ],
    },
  })
  map.addLayer({
    id: 'places',
    type: 'circle',
    source: 'basemap',
    filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-radius': 3, 'circle-color': '#6b7785', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 },
  })
  map.addLayer({
    id: 'place-labels',
    type: 'symbol',
    source: 'basemap',
    filter: ['==', ['geometry-type'], 'Point'],
    minzoom: 9,
    layout: {
      'icon-image': ['concat', 'txt:place:', ['coalesce', ['get', 'name'], '']],
      'icon-anchor': 'left',
      'icon-offset': [5, 0],
      'icon-optional': false,
    },
  })
}
