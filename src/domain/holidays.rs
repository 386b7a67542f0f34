//! Italian national public holidays, computed for any year.
//!
//! Municipal holidays (the patron saint) and extra closures are data, stored per
//! municipality and merged by the caller; this module only knows the law.

use chrono::{Datelike, Duration, NaiveDate};

/// Easter Sunday (Gregorian calendar), by the anonymous Gregorian algorithm.
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a valid date")
}

/// The national holidays of `year`, with their Italian names.
pub fn national_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(year, m, day).expect("fixed holiday date");
    let easter = easter_sunday(year);
    let mut list = vec![
        (d(1, 1), "Capodanno"),
        (d(1, 6), "Epifania"),
        (easter, "Pasqua"),
        (easter + Duration::days(1), "Lunedì dell'Angelo"),
        (d(4, 25), "Festa della Liberazione"),
        (d(5, 1), "Festa del Lavoro"),
        (d(6, 2), "Festa della Repubblica"),
        (d(8, 15), "Ferragosto"),
        (d(11, 1), "Ognissanti"),
        (d(12, 8), "Immacolata Concezione"),
        (d(12, 25), "Natale"),
        (d(12, 26), "Santo Stefano"),
    ];
    // Law 151/2025 restored 4 October (San Francesco d'Assisi) as a national
    // holiday from 2026.
    if year >= 2026 {
        list.push((d(10, 4), "San Francesco d'Assisi"));
    }
    list.sort_by_key(|(date, _)| *date);
    list
}

/// Whether `date` is a national holiday.
pub fn is_national_holiday(date: NaiveDate) -> bool {
    national_holidays(date.year())
        .iter()
        .any(|(holiday, _)| *holiday == date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_dates_match_the_almanac() {
        for (y, m, d) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
        ] {
            assert_eq!(
                easter_sunday(y),
                NaiveDate::from_ymd_opt(y, m, d).unwrap(),
                "{y}"
            );
        }
    }

    #[test]
    fn easter_monday_2027_is_a_holiday() {
        assert!(is_national_holiday(
            NaiveDate::from_ymd_opt(2027, 3, 29).unwrap()
        ));
        assert!(!is_national_holiday(
            NaiveDate::from_ymd_opt(2027, 3, 30).unwrap()
        ));
    }

    #[test]
    fn immacolata_and_san_francesco() {
        assert!(is_national_holiday(
            NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()
        ));
        assert!(is_national_holiday(
            NaiveDate::from_ymd_opt(2026, 10, 4).unwrap()
        ));
        assert!(!is_national_holiday(
            NaiveDate::from_ymd_opt(2025, 10, 4).unwrap()
        ));
    }
}
