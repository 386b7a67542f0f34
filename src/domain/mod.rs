//! Pure rules of the product: no database, no network, no clock.
//!
//! Everything here takes plain data (and `now` where time matters) and returns
//! decisions, so it is unit-tested without any I/O.

pub mod attributes;
pub mod calendar;
pub mod feedback;
pub mod grid;
pub mod holidays;
pub mod permissions;
pub mod privacy;
pub mod report;
pub mod routing;
pub mod stats;
pub mod templates;
pub mod territory;
pub mod validate;
