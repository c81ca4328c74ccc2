//! Online basemaps the console may offer besides its offline one: raster tile services
//! configured by the operator (`[[map.sources]]`). The browser fetches the tiles itself; the
//! server only says which exist and in which datum their tiles are drawn, so that the console
//! shifts positions (WGS-84 from the terminals) to GCJ-02 for the services that need it.

use serde::{Deserialize, Serialize};

/// One `[[map.sources]]` entry of the configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MapSourceConfig {
    /// Shown in the console's basemap switcher.
    pub name: String,
    /// `xyz` (any `{z}/{x}/{y}` raster template) or `tianditu` (天地图; needs `key`).
    pub kind: String,
    /// Tile URL template for `xyz`; `{s}` picks one of `subdomains`.
    pub url: Option<String>,
    /// Subdomains for `{s}` (e.g. `["a", "b", "c"]`).
    pub subdomains: Vec<String>,
    /// 天地图 browser key (`tk`).
    pub key: Option<String>,
    /// 天地图 layer: `vec` (map, default) or `img` (imagery); labels are added on top.
    pub layer: Option<String>,
    /// `wgs84` (OSM, 天地图's CGCS2000) or `gcj02` (高德, 腾讯 and other Chinese services).
    pub crs: Option<String>,
    pub attribution: Option<String>,
    pub max_zoom: Option<u8>,
}

/// A basemap as the console gets it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MapSource {
    /// `source-<n>`.
    pub id: String,
    pub name: String,
    /// Tile URLs (MapLibre raster `tiles`).
    pub tiles: Vec<String>,
    /// Label tiles drawn over `tiles` (天地图's annotation layer).
    pub labels: Vec<String>,
    /// `wgs84` or `gcj02`: the datum the tiles are drawn in.
    pub crs: String,
    pub attribution: String,
    pub max_zoom: u8,
}

fn tianditu(layer: &str, key: &str) -> Vec<String> {
    (0..8)
        .map(|n| {
            format!(
                "https://t{n}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0\
                 &LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles\
                 &TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
            )
        })
        .collect()
}

impl MapSourceConfig {
    /// Checks the entry and expands it; errors name the field (`map.sources[1].url: ...`).
    pub fn resolve(&self, index: usize) -> Result<MapSource, String> {
        let at = |field: &str, msg: &str| format!("map.sources[{index}].{field}: {msg}");
        let name = self.name.trim();
        if name.is_empty() {
            return Err(at("name", "required"));
        }
        let max_zoom = self.max_zoom.unwrap_or(18);
        if !(1..=22).contains(&max_zoom) {
            return Err(at("max_zoom", "must be 1 to 22"));
        }
        let (tiles, labels, default_crs, attribution) = match self.kind.as_str() {
            "tianditu" => {
                let key = self
                    .key
                    .as_deref()
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| at("key", "天地图 needs its browser key (tk)"))?;
                if !key.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(at("key", "letters and digits only"));
                }
                let (base, label) = match self.layer.as_deref().unwrap_or("vec") {
                    "vec" => ("vec", "cva"),
                    "img" => ("img", "cia"),
                    other => return Err(at("layer", &format!("{other:?}: use vec or img"))),
                };
                (
                    tianditu(base, key),
                    tianditu(label, key),
                    "wgs84",
                    "© 天地图 国家地理信息公共服务平台",
                )
            }
            "xyz" => {
                let url = self
                    .url
                    .as_deref()
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .ok_or_else(|| at("url", "required for kind = \"xyz\""))?;
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(at("url", "must start with https:// or http://"));
                }
                if !(url.contains("{z}")
                    && url.contains("{x}")
                    && (url.contains("{y}") || url.contains("{-y}")))
                {
                    return Err(at("url", "must contain {z}, {x} and {y}"));
                }
                let tiles = if url.contains("{s}") {
                    if self.subdomains.is_empty() {
                        return Err(at("subdomains", "required when the url has {s}"));
                    }
                    self.subdomains
                        .iter()
                        .map(|s| url.replace("{s}", s))
                        .collect()
                } else {
                    vec![url.to_string()]
                };
                (tiles, Vec::new(), "wgs84", "")
            }
            other => {
                return Err(at(
                    "kind",
                    &format!("{other:?}: use \"xyz\" or \"tianditu\""),
                ))
            }
        };
        let crs = self.crs.as_deref().unwrap_or(default_crs);
        if !matches!(crs, "wgs84" | "gcj02") {
            return Err(at("crs", &format!("{crs:?}: use \"wgs84\" or \"gcj02\"")));
        }
        Ok(MapSource {
            id: format!("source-{index}"),
            name: name.to_string(),
            tiles,
            labels,
            crs: crs.to_string(),
            attribution: self
                .attribution
                .clone()
                .unwrap_or_else(|| attribution.to_string()),
            max_zoom,
        })
    }
}

/// Resolves every configured source, or the first error.
pub fn resolve_all(cfg: &[MapSourceConfig]) -> Result<Vec<MapSource>, String> {
    cfg.iter().enumerate().map(|(i, c)| c.resolve(i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xyz(url: &str) -> MapSourceConfig {
        MapSourceConfig {
            name: "OSM".into(),
            kind: "xyz".into(),
            url: Some(url.into()),
            ..Default::default()
        }
    }

    #[test]
    fn xyz_sources_expand_subdomains() {
        let mut c = xyz("https://{s}.tile.example.org/{z}/{x}/{y}.png");
        c.subdomains = vec!["a".into(), "b".into()];
        let s = c.resolve(0).unwrap();
        assert_eq!(
            s.tiles,
            [
                "https://a.tile.example.org/{z}/{x}/{y}.png",
                "https://b.tile.example.org/{z}/{x}/{y}.png"
            ]
        );
        assert_eq!(
            (s.crs.as_str(), s.max_zoom, s.id.as_str()),
            ("wgs84", 18, "source-0")
        );
    }

    #[test]
    fn tianditu_needs_a_key_and_adds_labels() {
        let mut c = MapSourceConfig {
            name: "天地图".into(),
            kind: "tianditu".into(),
            ..Default::default()
        };
        assert_eq!(
            c.resolve(2).unwrap_err(),
            "map.sources[2].key: 天地图 needs its browser key (tk)"
        );
        c.key = Some("abc123".into());
        let s = c.resolve(2).unwrap();
        assert_eq!(s.tiles.len(), 8);
        assert!(s.tiles[3].starts_with("https://t3.tianditu.gov.cn/vec_w/wmts?"));
        assert!(s.tiles[3].contains("TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=abc123"));
        assert!(s.labels[0].contains("/cva_w/") && s.labels[0].contains("LAYER=cva"));
        assert_eq!(s.crs, "wgs84");
        c.layer = Some("terrain".into());
        assert!(c
            .resolve(0)
            .unwrap_err()
            .starts_with("map.sources[0].layer:"));
    }

    #[test]
    fn bad_entries_name_the_field() {
        assert_eq!(
            xyz("https://x.org/{z}/{x}.png").resolve(1).unwrap_err(),
            "map.sources[1].url: must contain {z}, {x} and {y}"
        );
        assert!(xyz("ftp://x.org/{z}/{x}/{y}.png").resolve(0).is_err());
        assert_eq!(
            xyz("https://{s}.x.org/{z}/{x}/{y}.png")
                .resolve(0)
                .unwrap_err(),
            "map.sources[0].subdomains: required when the url has {s}"
        );
        let mut c = xyz("https://x.org/{z}/{x}/{y}.png");
        c.crs = Some("bd09".into());
        assert!(c.resolve(0).unwrap_err().starts_with("map.sources[0].crs:"));
        c.crs = Some("gcj02".into());
        assert_eq!(c.resolve(0).unwrap().crs, "gcj02");
        c.kind = "wms".into();
        assert!(c
            .resolve(0)
            .unwrap_err()
            .starts_with("map.sources[0].kind:"));
        c.kind = "xyz".into();
        c.name = " ".into();
        assert_eq!(c.resolve(0).unwrap_err(), "map.sources[0].name: required");
    }
}
