//! Integration tests: the real HTTP app against a real database, run once per
//! backend (`SEGNALA_TEST_BACKEND=sqlite|postgres`).

mod common;

mod admin;
mod attachments;
mod bad_input;
mod codes;
mod faults;
mod feedback;
mod generated_bodies;
mod hostile;
mod intake;
mod lifecycle;
mod listing;
mod moderation;
mod notify;
mod onboarding;
mod open311;
mod ops;
mod retention;
mod schema;
mod sla;
mod snapshots;
mod staff;
mod storage;
