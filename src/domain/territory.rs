//! Which comune a point belongs to: municipal boundaries in memory, with an
//! R-tree of bounding boxes so that a deployment serving a whole province only
//! tests the few polygons whose box contains the point.

use geo::{
    BoundingRect, Closest, Contains, Coord, Distance, Haversine, HaversineClosestPoint, LineString,
    MultiPolygon, Point, Polygon,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;
use serde_json::Value;

/// A geometry that cannot be used as a boundary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GeometryError(pub String);

/// Parses a GeoJSON `Polygon` or `MultiPolygon` geometry (WGS84 lon/lat), holes included.
pub fn parse_geometry(geometry: &Value) -> Result<MultiPolygon<f64>, GeometryError> {
    let kind = geometry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let coords = geometry
        .get("coordinates")
        .ok_or_else(|| GeometryError("geometry has no coordinates".into()))?;
    match kind {
        "Polygon" => Ok(MultiPolygon::new(vec![parse_polygon(coords)?])),
        "MultiPolygon" => {
            let polys = coords
                .as_array()
                .ok_or_else(|| GeometryError("MultiPolygon coordinates must be an array".into()))?
                .iter()
                .map(parse_polygon)
                .collect::<Result<Vec<_>, _>>()?;
            if polys.is_empty() {
                return Err(GeometryError("MultiPolygon has no polygons".into()));
            }
            Ok(MultiPolygon::new(polys))
        }
        other => Err(GeometryError(format!(
            "expected a Polygon or MultiPolygon geometry, found `{other}`"
        ))),
    }
}

fn parse_polygon(rings: &Value) -> Result<Polygon<f64>, GeometryError> {
    let rings = rings
        .as_array()
        .ok_or_else(|| GeometryError("polygon rings must be an array".into()))?;
    let mut parsed = rings.iter().map(parse_ring);
    let exterior = parsed
        .next()
        .ok_or_else(|| GeometryError("polygon has no exterior ring".into()))??;
    let holes = parsed.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, holes))
}

fn parse_ring(ring: &Value) -> Result<LineString<f64>, GeometryError> {
    let points = ring
        .as_array()
        .ok_or_else(|| GeometryError("a ring must be an array of positions".into()))?;
    let coords = points
        .iter()
        .map(|p| {
            let lon = p.get(0).and_then(Value::as_f64);
            let lat = p.get(1).and_then(Value::as_f64);
            match (lon, lat) {
                (Some(x), Some(y))
                    if (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y) =>
                {
                    Ok(Coord { x, y })
                }
                _ => Err(GeometryError(
                    "a position must be [lon, lat] in WGS84 degrees".into(),
                )),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if coords.len() < 4 {
        return Err(GeometryError("a ring needs at least 4 positions".into()));
    }
    if coords.first() != coords.last() {
        return Err(GeometryError(
            "a ring must be closed (first position = last)".into(),
        ));
    }
    Ok(LineString::new(coords))
}

/// A comune picked from a GeoJSON file.
#[derive(Debug, Clone)]
pub struct PickedFeature {
    pub name: Option<String>,
    /// Province acronym (e.g. `PI`), a natural code prefix.
    pub province: Option<String>,
    /// Cadastral code (e.g. `G702`), a prefix that is unique nationwide.
    pub catasto: Option<String>,
    pub geometry: Value,
}

/// Picks the comune with ISTAT code `istat` from a FeatureCollection (property
/// `com_istat_code`, or `istat`), a single Feature, or a bare geometry.
pub fn pick_feature(doc: &Value, istat: &str) -> Result<PickedFeature, GeometryError> {
    let prop = |f: &Value, k: &str| {
        f.get("properties")
            .and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let from_feature = |f: &Value| -> Result<PickedFeature, GeometryError> {
        let geometry = f
            .get("geometry")
            .cloned()
            .ok_or_else(|| GeometryError("the feature has no geometry".into()))?;
        parse_geometry(&geometry)?;
        Ok(PickedFeature {
            name: prop(f, "name"),
            province: prop(f, "prov_acr"),
            catasto: prop(f, "com_catasto_code"),
            geometry,
        })
    };
    match doc.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            let features = doc
                .get("features")
                .and_then(Value::as_array)
                .ok_or_else(|| GeometryError("the FeatureCollection has no features".into()))?;
            let feature = features
                .iter()
                .find(|f| {
                    prop(f, "com_istat_code").as_deref() == Some(istat)
                        || prop(f, "istat").as_deref() == Some(istat)
                })
                .ok_or_else(|| {
                    GeometryError(format!("no feature with ISTAT code {istat} in the file"))
                })?;
            from_feature(feature)
        }
        Some("Feature") => from_feature(doc),
        Some("Polygon" | "MultiPolygon") => {
            parse_geometry(doc)?;
            Ok(PickedFeature {
                name: None,
                province: None,
                catasto: None,
                geometry: doc.clone(),
            })
        }
        _ => Err(GeometryError(
            "expected a GeoJSON FeatureCollection, Feature or (Multi)Polygon".into(),
        )),
    }
}

/// A comune's boundary as imported, checked: the GeoJSON geometry as given
/// (what is stored) and its bounding box.
#[derive(Debug, Clone)]
pub struct Boundary {
    geometry: Value,
    bbox: [f64; 4],
}

impl Boundary {
    /// A `Polygon` or `MultiPolygon` that [`parse_geometry`] accepts and
    /// that encloses something.
    pub fn parse(geometry: &Value) -> Result<Self, GeometryError> {
        let shape = parse_geometry(geometry)?;
        let bbox = bbox(&shape).ok_or_else(|| GeometryError("empty geometry".into()))?;
        Ok(Self {
            geometry: geometry.clone(),
            bbox,
        })
    }

    pub fn geometry(&self) -> &Value {
        &self.geometry
    }

    /// `(min_lon, min_lat, max_lon, max_lat)`.
    pub fn bbox(&self) -> [f64; 4] {
        self.bbox
    }
}

/// Bounding box `(min_lon, min_lat, max_lon, max_lat)` of a shape.
pub fn bbox(shape: &MultiPolygon<f64>) -> Option<[f64; 4]> {
    shape
        .bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// One served comune.
#[derive(Debug, Clone)]
pub struct Area {
    pub id: String,
    pub name: String,
    pub shape: MultiPolygon<f64>,
}

/// All served comuni, indexed for point location.
#[derive(Debug, Default)]
pub struct Territory {
    areas: Vec<Area>,
    index: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl Territory {
    pub fn new(areas: Vec<Area>) -> Self {
        let boxes = areas
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                bbox(&a.shape).map(|b| {
                    GeomWithData::new(Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]), i)
                })
            })
            .collect();
        Self {
            areas,
            index: RTree::bulk_load(boxes),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    /// The comune whose territory contains the point (holes excluded).
    pub fn locate(&self, lat: f64, lon: f64) -> Option<&Area> {
        let point = Point::new(lon, lat);
        self.index
            .locate_all_at_point(&[lon, lat])
            .map(|hit| &self.areas[hit.data])
            .find(|area| area.shape.contains(&point))
    }

    /// The served comune closest to a point, with the distance in metres to its border.
    pub fn nearest(&self, lat: f64, lon: f64) -> Option<(&Area, f64)> {
        let point = Point::new(lon, lat);
        self.areas
            .iter()
            .filter_map(|area| {
                let distance = match area.shape.haversine_closest_point(&point) {
                    Closest::Intersection(_) => 0.0,
                    Closest::SinglePoint(p) => Haversine.distance(point, p),
                    Closest::Indeterminate => return None,
                };
                Some((area, distance))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn square(x0: f64, y0: f64, size: f64) -> Value {
        json!({"type": "Polygon", "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]})
    }

    #[test]
    fn holes_are_respected() {
        let g = json!({"type": "Polygon", "coordinates": [
            [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]],
            [[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [1.0, 2.0], [1.0, 1.0]]
        ]});
        let t = Territory::new(vec![Area {
            id: "a".into(),
            name: "A".into(),
            shape: parse_geometry(&g).unwrap(),
        }]);
        assert!(t.locate(0.5, 0.5).is_some());
        assert!(t.locate(1.5, 1.5).is_none(), "inside the hole");
    }

    #[test]
    fn the_point_picks_the_comune_and_the_nearest_is_named() {
        let t = Territory::new(vec![
            Area {
                id: "a".into(),
                name: "A".into(),
                shape: parse_geometry(&square(10.0, 43.0, 0.1)).unwrap(),
            },
            Area {
                id: "b".into(),
                name: "B".into(),
                shape: parse_geometry(&square(10.2, 43.0, 0.1)).unwrap(),
            },
        ]);
        assert_eq!(t.locate(43.05, 10.05).unwrap().id, "a");
        assert_eq!(t.locate(43.05, 10.25).unwrap().id, "b");
        assert!(t.locate(43.05, 10.15).is_none());
        let (near, metres) = t.nearest(43.05, 10.17).unwrap();
        assert_eq!(near.id, "b");
        assert!((2_000.0..3_000.0).contains(&metres), "{metres}");
    }

    #[test]
    fn bad_geometries_are_refused() {
        assert!(parse_geometry(&json!({"type": "Point", "coordinates": [1, 2]})).is_err());
        assert!(parse_geometry(
            &json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]})
        )
        .is_err());
        assert!(parse_geometry(
            &json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]})
        )
        .is_err());
        assert!(parse_geometry(
            &json!({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]})
        )
        .is_err());
    }
}
