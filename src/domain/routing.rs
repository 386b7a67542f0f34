//! Routing: which office is competent for a report, given its category and its
//! place. Routing zones (a polygon, for one category or for all) override the
//! category's default office; the rule that matched is recorded on the report's
//! `routed` event so that every decision can be explained.

use geo::{Contains, MultiPolygon, Point};
use serde::Serialize;

use super::ids::{CategoryId, OfficeId};

/// The category as routing sees it.
#[derive(Debug, Clone)]
pub struct CategoryRoute {
    pub id: CategoryId,
    pub parent_id: Option<CategoryId>,
    pub default_office_id: Option<OfficeId>,
    pub parent_default_office_id: Option<OfficeId>,
}

/// A routing zone: inside `shape`, reports of `category_id` (or of every
/// category, when `None`) go to `office_id`.
#[derive(Debug, Clone)]
pub struct Zone {
    pub id: String,
    pub name: String,
    pub shape: MultiPolygon<f64>,
    pub category_id: Option<CategoryId>,
    pub office_id: OfficeId,
    pub priority: i32,
}

/// The rule that decided the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum MatchedRule {
    Zone {
        zone_id: String,
        zone_name: String,
    },
    CategoryDefault {
        category_id: CategoryId,
    },
    ParentCategoryDefault {
        category_id: CategoryId,
    },
    /// No office is competent: the report waits in the supervisor's triage.
    Unrouted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDecision {
    pub office_id: Option<OfficeId>,
    pub rule: MatchedRule,
}

/// Picks the office. Zones for the category itself beat zones for its parent,
/// which beat zones for every category; among equals the higher priority wins,
/// then the zone id (so the result never depends on load order).
pub fn route(category: &CategoryRoute, lat: f64, lon: f64, zones: &[Zone]) -> RouteDecision {
    let point = Point::new(lon, lat);
    let specificity = |z: &Zone| match z.category_id.as_deref() {
        Some(c) if c == category.id => Some(0),
        Some(c) if Some(c) == category.parent_id.as_deref() => Some(1),
        Some(_) => None,
        None => Some(2),
    };
    let best = zones
        .iter()
        .filter_map(|z| specificity(z).map(|s| (s, z)))
        .filter(|(_, z)| z.shape.contains(&point))
        .min_by(|(sa, a), (sb, b)| {
            sa.cmp(sb)
                .then(b.priority.cmp(&a.priority))
                .then(a.id.cmp(&b.id))
        });
    if let Some((_, zone)) = best {
        return RouteDecision {
            office_id: Some(zone.office_id.clone()),
            rule: MatchedRule::Zone {
                zone_id: zone.id.clone(),
                zone_name: zone.name.clone(),
            },
        };
    }
    if let Some(office) = &category.default_office_id {
        return RouteDecision {
            office_id: Some(office.clone()),
            rule: MatchedRule::CategoryDefault {
                category_id: category.id.clone(),
            },
        };
    }
    if let (Some(office), Some(parent)) = (&category.parent_default_office_id, &category.parent_id)
    {
        return RouteDecision {
            office_id: Some(office.clone()),
            rule: MatchedRule::ParentCategoryDefault {
                category_id: parent.clone(),
            },
        };
    }
    RouteDecision {
        office_id: None,
        rule: MatchedRule::Unrouted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::territory::parse_geometry;
    use serde_json::json;

    fn square(x0: f64, y0: f64, size: f64) -> MultiPolygon<f64> {
        parse_geometry(&json!({"type": "Polygon", "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]})).unwrap()
    }

    fn buche() -> CategoryRoute {
        CategoryRoute {
            id: "buche".into(),
            parent_id: Some("strade".into()),
            default_office_id: Some("manutenzioni".into()),
            parent_default_office_id: Some("lavori-pubblici".into()),
        }
    }

    fn zone(id: &str, category: Option<&str>, office: &str, priority: i32) -> Zone {
        Zone {
            id: id.into(),
            name: id.into(),
            shape: square(10.0, 43.0, 1.0),
            category_id: category.map(Into::into),
            office_id: office.into(),
            priority,
        }
    }

    #[test]
    fn default_office_outside_every_zone() {
        let d = route(&buche(), 50.0, 50.0, &[zone("z", None, "x", 0)]);
        assert_eq!(d.office_id.as_deref(), Some("manutenzioni"));
        assert_eq!(
            d.rule,
            MatchedRule::CategoryDefault {
                category_id: "buche".into()
            }
        );
    }

    #[test]
    fn the_most_specific_zone_wins() {
        let zones = [
            zone("all", None, "a", 9),
            zone("parent", Some("strade"), "p", 0),
            zone("own", Some("buche"), "o", 0),
            zone("other", Some("verde"), "v", 99),
        ];
        assert_eq!(
            route(&buche(), 43.5, 10.5, &zones).office_id.as_deref(),
            Some("o")
        );
        assert_eq!(
            route(&buche(), 43.5, 10.5, &zones[..2])
                .office_id
                .as_deref(),
            Some("p")
        );
        assert_eq!(
            route(&buche(), 43.5, 10.5, &zones[..1])
                .office_id
                .as_deref(),
            Some("a")
        );
        assert_eq!(
            route(&buche(), 43.5, 10.5, &zones[3..])
                .office_id
                .as_deref(),
            Some("manutenzioni")
        );
    }

    #[test]
    fn priority_then_id_break_ties() {
        let zones = [
            zone("b", None, "low", 1),
            zone("a", None, "high", 5),
            zone("c", None, "high-too", 5),
        ];
        assert_eq!(
            route(&buche(), 43.5, 10.5, &zones).office_id.as_deref(),
            Some("high")
        );
    }

    #[test]
    fn parent_default_then_unrouted() {
        let mut c = buche();
        c.default_office_id = None;
        assert_eq!(
            route(&c, 0.0, 0.0, &[]).rule,
            MatchedRule::ParentCategoryDefault {
                category_id: "strade".into()
            }
        );
        c.parent_default_office_id = None;
        assert_eq!(
            route(&c, 0.0, 0.0, &[]),
            RouteDecision {
                office_id: None,
                rule: MatchedRule::Unrouted
            }
        );
    }
}
