//! `/api/v1/reports`: intake, public reads, map and nearby queries, the
//! citizen's follow-up actions.

pub mod citizen;
pub mod clusters;
pub mod create;
pub mod list;
pub mod nearby;
pub mod read;
pub mod workflow;
