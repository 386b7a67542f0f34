//! The map's grid: squares of a fixed size in degrees, numbered row by row
//! from the south-west corner of the world. The numbering is the one the
//! database computes for each report (`reports.map_cell`, `report_cells`),
//! spelled here with the same floating-point operations, so the cells a box
//! asks for are exactly the cells its reports were counted in.

/// A level of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// 0.1° squares (about 11 km × 8 km in Italy): the clusters of a province.
    Coarse = 1,
    /// 0.01° squares (about 1.1 km × 0.8 km): the map list's cells for a
    /// district, the clusters of a town.
    Fine = 2,
    /// 0.001° squares (about 110 m × 80 m): the map list's cells for a street.
    Street = 3,
}

impl Level {
    /// Cells per degree.
    pub fn per_degree(self) -> f64 {
        match self {
            Level::Coarse => 10.0,
            Level::Fine => 100.0,
            Level::Street => 1000.0,
        }
    }

    /// Cells in a row, plus one, so that 180° never runs into the next row.
    pub fn row_width(self) -> i64 {
        360 * self.per_degree() as i64 + 1
    }

    /// The size of a cell in degrees.
    pub fn size(self) -> f64 {
        1.0 / self.per_degree()
    }

    /// The row and column of a point (as the SQL does: truncation of a
    /// non-negative product).
    pub fn row_col(self, lat: f64, lon: f64) -> (i64, i64) {
        (
            ((lat + 90.0) * self.per_degree()) as i64,
            ((lon + 180.0) * self.per_degree()) as i64,
        )
    }

    /// The number of the cell holding a point.
    pub fn cell(self, lat: f64, lon: f64) -> i64 {
        let (row, col) = self.row_col(lat, lon);
        row * self.row_width() + col
    }

    /// Row and column of a cell number.
    pub fn split(self, cell: i64) -> (i64, i64) {
        (cell / self.row_width(), cell % self.row_width())
    }
}

/// The cells of one row that a box overlaps: `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSpan {
    pub first: i64,
    pub last: i64,
}

/// The box's cells, row by row (south to north, west to east).
pub fn rows(level: Level, min_lat: f64, min_lon: f64, max_lat: f64, max_lon: f64) -> Vec<RowSpan> {
    let (row0, col0) = level.row_col(min_lat, min_lon);
    let (row1, col1) = level.row_col(max_lat, max_lon);
    (row0..=row1)
        .map(|row| RowSpan {
            first: row * level.row_width() + col0,
            last: row * level.row_width() + col1,
        })
        .collect()
}

/// The finest level at which a box overlaps at most `max_cells` cells, if any.
pub fn list_level(
    max_cells: i64,
    min_lat: f64,
    min_lon: f64,
    max_lat: f64,
    max_lon: f64,
) -> Option<Level> {
    [Level::Street, Level::Fine]
        .into_iter()
        .find(|l| count(*l, min_lat, min_lon, max_lat, max_lon) <= max_cells)
}

/// How many cells a box overlaps.
pub fn count(level: Level, min_lat: f64, min_lon: f64, max_lat: f64, max_lon: f64) -> i64 {
    rows(level, min_lat, min_lon, max_lat, max_lon)
        .iter()
        .map(|r| r.last - r.first + 1)
        .sum()
}

/// Every cell a box overlaps.
pub fn cells(level: Level, min_lat: f64, min_lon: f64, max_lat: f64, max_lon: f64) -> Vec<i64> {
    rows(level, min_lat, min_lon, max_lat, max_lon)
        .into_iter()
        .flat_map(|r| r.first..=r.last)
        .collect()
}

/// How clusters are drawn at a map zoom: which stored level they are read
/// from and how many of its cells (per side) make one cluster, so that
/// clusters sit about 80 screen pixels apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterGrid {
    pub level: Level,
    /// Cells per side of one cluster square.
    pub group: i64,
}

impl ClusterGrid {
    /// Web-Mercator zoom (0–22): a 256-pixel tile spans 360/2^zoom degrees.
    pub fn for_zoom(zoom: u8) -> Self {
        let wanted = 360.0 / f64::from(1u32 << zoom.min(22)) * (80.0 / 256.0);
        let level = if wanted < Level::Coarse.size() {
            Level::Fine
        } else {
            Level::Coarse
        };
        let group = (wanted / level.size()).round().max(1.0) as i64;
        Self { level, group }
    }

    /// The cluster square a stored cell belongs to.
    pub fn key(self, cell: i64) -> (i64, i64) {
        let (row, col) = self.level.split(cell);
        (row.div_euclid(self.group), col.div_euclid(self.group))
    }

    /// The bounds of a cluster square: (min_lat, min_lon, max_lat, max_lon).
    pub fn bounds(self, key: (i64, i64)) -> (f64, f64, f64, f64) {
        let side = self.group as f64 * self.level.size();
        (
            key.0 as f64 * side - 90.0,
            key.1 as f64 * side - 180.0,
            (key.0 + 1) as f64 * side - 90.0,
            (key.1 + 1) as f64 * side - 180.0,
        )
    }
}

/// One cluster on the map: the reports of the grid cells grouped into one
/// square, placed at their centroid.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster<S> {
    pub key: (i64, i64),
    pub count: i64,
    /// Per status, in the order first met.
    pub by_status: Vec<(S, i64)>,
    pub lat: f64,
    pub lon: f64,
}

/// Groups stored counts `(cell, status, n, sum_lat, sum_lon)` into the
/// clusters of `grid`, south-west first.
pub fn clusters<S: Copy + PartialEq>(
    grid: ClusterGrid,
    counts: impl IntoIterator<Item = (i64, S, i64, f64, f64)>,
) -> Vec<Cluster<S>> {
    let mut by_key: std::collections::BTreeMap<(i64, i64), (Cluster<S>, f64, f64)> =
        std::collections::BTreeMap::new();
    for (cell, status, n, sum_lat, sum_lon) in counts {
        if n <= 0 {
            continue;
        }
        let key = grid.key(cell);
        let (cluster, lat, lon) = by_key.entry(key).or_insert_with(|| {
            (
                Cluster {
                    key,
                    count: 0,
                    by_status: Vec::new(),
                    lat: 0.0,
                    lon: 0.0,
                },
                0.0,
                0.0,
            )
        });
        cluster.count += n;
        *lat += sum_lat;
        *lon += sum_lon;
        match cluster.by_status.iter_mut().find(|(s, _)| *s == status) {
            Some((_, count)) => *count += n,
            None => cluster.by_status.push((status, n)),
        }
    }
    by_key
        .into_values()
        .map(|(mut c, lat, lon)| {
            // The centroid, kept inside the square (sums of many floats drift).
            let (s, w, n, e) = grid.bounds(c.key);
            c.lat = (lat / c.count as f64).clamp(s, n);
            c.lon = (lon / c.count as f64).clamp(w, e);
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_numbered_row_by_row() {
        let pisa = Level::Fine.cell(43.7167, 10.4036);
        assert_eq!(Level::Fine.split(pisa), (13371, 19040));
        assert_eq!(Level::Coarse.cell(43.7167, 10.4036), 1337 * 3601 + 1904);
        // The east edge of the world does not reach the next row.
        assert_eq!(
            Level::Fine.split(Level::Fine.cell(0.0, 180.0)),
            (9000, 36000)
        );
    }

    #[test]
    fn a_box_lists_every_cell_it_overlaps() {
        let cells = cells(Level::Fine, 43.7005, 10.3905, 43.712, 10.401);
        // Two rows (43.70 and 43.71) by two columns (10.39 and 10.40).
        assert_eq!(cells.len(), 4);
        assert_eq!(count(Level::Fine, 43.7005, 10.3905, 43.712, 10.401), 4);
        for (lat, lon) in [(43.7006, 10.3906), (43.7119, 10.4009)] {
            assert!(cells.contains(&Level::Fine.cell(lat, lon)));
        }
    }

    #[test]
    fn a_list_reads_the_finest_level_that_covers_the_box_with_few_cells() {
        // A street (0.004° square): street cells.
        assert_eq!(
            list_level(64, 43.7105, 10.4005, 43.7145, 10.4045),
            Some(Level::Street)
        );
        // A district (0.02°): district cells.
        assert_eq!(
            list_level(64, 43.70, 10.39, 43.72, 10.41),
            Some(Level::Fine)
        );
        // A province: neither.
        assert_eq!(list_level(64, 43.0, 10.0, 44.0, 11.0), None);
        assert_eq!(
            Level::Street.split(Level::Street.cell(43.7167, 10.4036)),
            (133716, 190403)
        );
    }

    #[test]
    fn the_cluster_grid_follows_the_zoom() {
        assert_eq!(
            ClusterGrid::for_zoom(16),
            ClusterGrid {
                level: Level::Fine,
                group: 1
            }
        );
        let town = ClusterGrid::for_zoom(12);
        assert_eq!(town.level, Level::Fine);
        assert_eq!(town.group, 3);
        let region = ClusterGrid::for_zoom(8);
        assert_eq!(region.level, Level::Coarse);
        assert!(region.group >= 4);
        // A cluster's bounds hold the cells grouped into it.
        let cell = Level::Fine.cell(43.7167, 10.4036);
        let (s, w, n, e) = town.bounds(town.key(cell));
        assert!(s <= 43.7167 && 43.7167 < n && w <= 10.4036 && 10.4036 < e);
    }

    #[test]
    fn clusters_add_up_their_cells() {
        let grid = ClusterGrid {
            level: Level::Fine,
            group: 2,
        };
        let a = Level::Fine.cell(43.7101, 10.4001);
        let b = Level::Fine.cell(43.7101, 10.4101); // the next column: same square
        let far = Level::Fine.cell(43.7501, 10.4001);
        let got = clusters(
            grid,
            [
                (a, "new", 2, 2.0 * 43.7101, 2.0 * 10.4001),
                (b, "new", 1, 43.7101, 10.4101),
                (b, "closed", 1, 43.7101, 10.4101),
                (far, "new", 3, 3.0 * 43.7501, 3.0 * 10.4001),
                (far, "closed", 0, 0.0, 0.0),
            ],
        );
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].count, 4);
        assert_eq!(got[0].by_status, vec![("new", 3), ("closed", 1)]);
        assert!((got[0].lon - (2.0 * 10.4001 + 2.0 * 10.4101) / 4.0).abs() < 1e-9);
        assert_eq!(got[1].count, 3);
        assert_eq!(got[1].by_status, vec![("new", 3)]);
    }
}
