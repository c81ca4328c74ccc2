/**
 * MapLibre GL for the console, loaded only by the pages with a map (lazy chunks). No network
 * tiles: an offline style with a background and a light graticule, plus each page's GeoJSON
 * layers. The worker script is bundled and served from `/assets/` like everything else.
 */
import { LngLatBounds, Map as MlMap, NavigationControl, ScaleControl, setWorkerUrl, type StyleSpecification } from 'maplibre-gl'
import type { Feature, FeatureCollection } from 'geojson'
import 'maplibre-gl/dist/maplibre-gl.css'
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url'

setWorkerUrl(workerUrl)

export { LngLatBounds, MlMap }
export { Marker, Popup } from 'maplibre-gl'
export type { GeoJSONSource, MapLayerMouseEvent, MapMouseEvent } from 'maplibre-gl'
export type { Feature, FeatureCollection }

/** Yangjiang, where the demo fleet drives: the default view when there is nothing to fit. */
export const DEFAULT_CENTER: [number, number] = [111.98, 21.86]

export const OFFLINE_STYLE: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef2f6' } }],
}

export function supportsWebGL(): boolean {
  try {
    const c = document.createElement('canvas')
    return !!(c.getContext('webgl2') || c.getContext('webgl'))
  } catch {
    return false
  }
}

/** Graticule lines every `step` degrees around a centre: some orientation without tiles. */
function graticule(center: [number, number], span = 3, step = 0.05): FeatureCollection {
  const features: Feature[] = []
  const [lon0, lat0] = center
  const round = (v: number) => Math.round(v / step) * step
  const minLon = round(lon0 - span)
  const maxLon = round(lon0 + span)
  const minLat = round(lat0 - span)
  const maxLat = round(lat0 + span)
  for (let lon = minLon; lon <= maxLon + 1e-9; lon += step) {
    const major = Math.abs(lon * 10 - Math.round(lon * 10)) < 1e-6
    features.push({ type: 'Feature', properties: { major }, geometry: { type: 'LineString', coordinates: [[lon, minLat], [lon, maxLat]] } })
  }
  for (let lat = minLat; lat <= maxLat + 1e-9; lat += step) {
    const major = Math.abs(lat * 10 - Math.round(lat * 10)) < 1e-6
    features.push({ type: 'Feature', properties: { major }, geometry: { type: 'LineString', coordinates: [[minLon, lat], [maxLon, lat]] } })
  }
  return { type: 'FeatureCollection', features }
}

export interface CreateMapOptions {
  center?: [number, number]
  zoom?: number
  /** Called instead of MapLibre's own console logging of map errors. */
  onError?: (message: string) => void
}

/** A map on the offline style; resolves once the style is loaded (layers may be added). */
export function createMap(container: HTMLElement, opts: CreateMapOptions = {}): Promise<MlMap> {
  const center = opts.center ?? DEFAULT_CENTER
  const map = new MlMap({
    container,
    style: OFFLINE_STYLE,
    center,
    zoom: opts.zoom ?? 11,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    maxZoom: 19,
  })
  map.on('error', (e) => opts.onError?.(e.error?.message ?? String(e)))
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right')
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left')
  return new Promise((resolve) => {
    map.on('load', () => {
      map.addSource('graticule', { type: 'geojson', data: graticule(center) })
      map.addLayer({
        id: 'graticule',
        type: 'line',
        source: 'graticule',
        paint: {
          'line-color': ['case', ['get', 'major'], '#c9d3df', '#dde4ec'],
          'line-width': ['case', ['get', 'major'], 1, 0.5],
        },
      })
      resolve(map)
    })
  })
}

/** Fits the map to coordinates ([lon, lat]); one point: centres on it. */
export function fitTo(map: MlMap, coords: [number, number][], padding = 40, maxZoom = 16): void {
  if (!coords.length) return
  if (coords.length === 1) {
    map.jumpTo({ center: coords[0], zoom: Math.min(maxZoom, 14) })
    return
  }
  const b = new LngLatBounds(coords[0], coords[0])
  for (const c of coords) b.extend(c)
  map.fitBounds(b, { padding, maxZoom, duration: 0 })
}
