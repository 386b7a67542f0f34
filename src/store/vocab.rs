//! The domain's closed vocabularies (a report's status, channel, …) and its
//! ids as columns: stored as their text, read back into the enum or the id
//! type when the row is read, so no caller parses a status late or drops a
//! row it cannot parse. A stored value the enum does not know fails the
//! read, loudly.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::callbacks::{CallbackState, Outcome};
use crate::domain::ids::{CategoryId, MunicipalityId, OfficeId, ReportCode};
use crate::domain::permissions::Role;
use crate::domain::publication::ReportPublication;
use crate::domain::report::{Channel, ContactPreference, Language, Status};

/// What every text column type has: read by parsing its text, written as
/// its text, compared by reference.
macro_rules! text_column {
    ($t:ty) => {
        impl<DB: Backend> FromSql<Text, DB> for $t
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                text.parse()
                    .map_err(|e| format!("{}: {e}", stringify!($t)).into())
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $t
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        /// A list of values compared with a nullable column (`eq_any`).
        impl<DB: Backend> ToSql<Nullable<Text>, DB> for $t
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB: Backend> Queryable<Text, DB> for $t
        where
            Self: FromSql<Text, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl<'a> AsExpression<Text> for &'a $t {
            type Expression = <&'a str as AsExpression<Text>>::Expression;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Text>::as_expression(self.as_str())
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $t {
            type Expression = <&'a str as AsExpression<Nullable<Text>>>::Expression;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Nullable<Text>>::as_expression(self.as_str())
            }
        }
    };
}

/// The closed vocabularies: a value is its `&'static str`, so a query that
/// names one keeps a plain, nameable type.
macro_rules! vocabularies {
    ($($t:ty),+ $(,)?) => {$(
        text_column!($t);

        impl AsExpression<Text> for $t {
            type Expression = <&'static str as AsExpression<Text>>::Expression;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Text>::as_expression(self.as_str())
            }
        }
    )+};
}

/// The ids: any text is an id (whether it names something is the query's
/// answer); an owned one is bound as its `String`.
macro_rules! ids {
    ($($t:ty),+ $(,)?) => {$(
        text_column!($t);

        impl AsExpression<Text> for $t {
            type Expression = <String as AsExpression<Text>>::Expression;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Text>::as_expression(self.into_string())
            }
        }

        impl AsExpression<Nullable<Text>> for $t {
            type Expression = <String as AsExpression<Nullable<Text>>>::Expression;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Nullable<Text>>::as_expression(self.into_string())
            }
        }
    )+};
}

vocabularies!(
    Status,
    ReportPublication,
    Channel,
    ContactPreference,
    Language,
    Role,
    CallbackState,
    Outcome,
);

ids!(MunicipalityId, OfficeId, CategoryId, ReportCode);

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::{Connection, IntoSql, RunQueryDsl, SqliteConnection};

    macro_rules! round_trip {
        ($conn:expr, $t:ty, $all:expr) => {
            for value in $all.iter().copied() {
                let back: $t = diesel::select(value.into_sql::<Text>())
                    .get_result($conn)
                    .unwrap();
                assert_eq!(back, value);
            }
        };
    }

    #[test]
    fn every_value_is_stored_as_its_text_and_read_back() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        round_trip!(&mut conn, Status, Status::ALL);
        round_trip!(&mut conn, ReportPublication, ReportPublication::ALL);
        round_trip!(&mut conn, Channel, Channel::ALL);
        round_trip!(&mut conn, ContactPreference, ContactPreference::ALL);
        round_trip!(&mut conn, Language, Language::ALL);
        round_trip!(&mut conn, Role, Role::ALL);
        let text: String = diesel::select(Status::TakenIn.into_sql::<Text>())
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(text, "taken_in");
        let id: OfficeId = diesel::select(OfficeId::new("strade").into_sql::<Text>())
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(id, "strade");
    }

    #[test]
    fn a_stored_value_no_variant_names_fails_the_read_instead_of_being_skipped() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let read = diesel::select("archived".into_sql::<Text>()).get_result::<Status>(&mut conn);
        let err = format!("{:?}", read.expect_err("an unknown status was read"));
        assert!(err.contains("Status") && err.contains("archived"), "{err}");
    }
}
