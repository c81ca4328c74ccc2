#!/usr/bin/env node
// Unit tests of the console's pure TypeScript modules, run in Node: each module is compiled
// with esbuild (Vite's own) and imported from memory. Run by `cargo test` (tests/web_units.rs)
// or directly: `node e2e/units.mjs`. Prints `OK <n> checks`; exit 1 with the failures.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

async function load(path) {
  const out = await build({ entryPoints: [`${root}/${path}`], bundle: true, format: 'esm', platform: 'neutral', write: false, logLevel: 'silent' })
  const code = out.outputFiles[0].text
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)
}

const failures = []
let checks = 0
function near(what, got, want, tol) {
  checks++
  if (!(Math.abs(got - want) <= tol)) failures.push(`${what}: got ${got}, want ${want} ± ${tol}`)
}

// WGS-84 → GCJ-02: the reference vector of the widely used coordtransform library
// (116.404, 39.915) → (116.41024449916938, 39.91640428150164), and no shift outside China.
const gcj = await load('src/map/gcj02.ts')
const [lon, lat] = gcj.wgs84ToGcj02(116.404, 39.915)
near('gcj02 lon (Beijing)', lon, 116.41024449916938, 1e-9)
near('gcj02 lat (Beijing)', lat, 39.91640428150164, 1e-9)
const [lon2, lat2] = gcj.wgs84ToGcj02(2.35, 48.85)
near('outside China lon', lon2, 2.35, 0)
near('outside China lat', lat2, 48.85, 0)
// In the demo city the shift is some hundreds of metres, east and south-ish.
const [lon3, lat3] = gcj.wgs84ToGcj02(111.98, 21.86)
const dx = (lon3 - 111.98) * 111320 * Math.cos((21.86 * Math.PI) / 180)
const dy = (lat3 - 21.86) * 110540
near('gcj02 shift in Yangjiang (m)', Math.hypot(dx, dy), 550, 250)

if (failures.length) {
  console.error(failures.join('\n'))
  process.exit(1)
}
console.log(`OK ${checks} checks`)
