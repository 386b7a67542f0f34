//! Pure rules of the product: no database, no network, no clock.
//!
//! Everything here takes plain data (and `now` where time matters) and returns
//! decisions, so it is unit-tested without any I/O.

/// A closed vocabulary stored and sent as snake_case text: `as_str`,
/// `Display`, `FromStr`, `ALL` and serde, from one list of variants.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::report::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($text => Ok($name::$variant),)+ _ => Err($crate::domain::report::UnknownValue(s.to_string())) }
            }
        }
    };
}

pub mod accounts;
pub mod attributes;
pub mod calendar;
pub mod callbacks;
pub mod catalog;
pub mod codes;
pub mod escalation;
pub mod feedback;
pub mod grid;
pub mod holidays;
pub mod ids;
pub mod masking;
pub mod permissions;
pub mod privacy;
pub mod publication;
pub mod report;
pub mod routing;
pub mod stats;
pub mod templates;
pub mod territory;
pub mod validate;
