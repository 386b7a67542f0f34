//! The identifiers of the things a comune is made of, one type each, so
//! that an office's id cannot be handed where a comune's is expected, nor a
//! report's public code where a category's id is.
//!
//! Each is the text it always was (serialised as a plain string, stored in
//! a text column): the API and the database do not change. A function that
//! only reads the text takes `&str`, which each id derefs to; one that
//! cares which id it holds names the type.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

macro_rules! id_types {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(text: impl Into<String>) -> Self {
                Self(text.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// Maps keyed by the id answer a lookup by its text.
        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        /// Debugged as its text (`"strade"`), as it was before it had a type:
        /// the command line prints ids so.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// Any text is an id: parsing never fails (the database's column
        /// reads through it, as the vocabularies' do).
        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok(Self(text.to_owned()))
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                Self(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self(text.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    )+};
}

id_types! {
    /// A comune's id (its ISTAT code, or the id it was created with).
    MunicipalityId;
    /// An office's id.
    OfficeId;
    /// A category's id.
    CategoryId;
    /// A report's public code (`PI-2026-000123`), what citizens and staff
    /// quote; the numeric id stays inside.
    ReportCode;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn an_id_is_its_text_on_the_wire_and_in_a_map() {
        let id = OfficeId::new("strade");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"strade\"");
        let back: OfficeId = serde_json::from_str("\"strade\"").unwrap();
        assert_eq!(back, id);
        let map = HashMap::from([(id.clone(), 1)]);
        assert_eq!(map.get("strade"), Some(&1));
        assert_eq!(id, "strade");
        assert_eq!(id.to_string(), "strade");
        assert_eq!(format!("{:?}", Some(&id)), r#"Some("strade")"#);
    }
}
