//! Text the pages write as it is, without HTML escaping: what our own code makes from fixed
//! words, numbers and times, which escaping could never change. A dashboard writes a few hundred
//! such values (a row's id up to ten times), and escaping each of them was the largest part of
//! rendering one; everything a user typed is still escaped.
//!
//! No constructor takes a `String`: only `&'static` words, numbers and instants, so text a user
//! typed cannot become `Plain`.

use std::borrow::Cow;
use std::fmt;

use time::macros::format_description;

use crate::domain::{Id, Timestamp};

/// Text made by this module's functions; nothing in it needs escaping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain(Cow<'static, str>);

impl Plain {
    /// Fixed words of our own.
    pub const fn words(text: &'static str) -> Self {
        Self(Cow::Borrowed(text))
    }

    /// A number between fixed words: `in 3 days`, `3 days ago`.
    pub fn counted(before: &'static str, count: i64, after: &'static str) -> Self {
        Self(Cow::Owned(format!("{before}{count}{after}")))
    }

    /// An instant in RFC 3339, for `datetime`.
    pub fn rfc3339(at: Timestamp) -> Self {
        Self(Cow::Owned(at.rfc3339()))
    }

    /// An instant to the minute, in UTC: `2026-11-26 07:00 UTC`.
    pub fn exact_minute(at: Timestamp) -> Self {
        let exact = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
        Self(Cow::Owned(at.to_datetime().format(exact).unwrap_or_default()))
    }

    /// The day of an instant: `12 January`.
    pub fn day_month(at: Timestamp) -> Self {
        Self(Cow::Owned(at.day_month()))
    }
}

impl fmt::Display for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for Plain {}

// Written straight into the page, not through `format_args!`.
impl askama::FastWritable for Plain {
    fn write_into(&self, dest: &mut dyn fmt::Write, _: &dyn askama::Values) -> askama::Result<()> {
        Ok(dest.write_str(&self.0)?)
    }
}

/// A database id is digits only.
impl<T> askama::filters::HtmlSafe for Id<T> {}

/// The prefix of a row's element ids: `incoming-7`, then `incoming-7-name`, `incoming-7-err`.
pub fn dom_id<T>(list: &'static str, id: Id<T>) -> Plain {
    Plain(Cow::Owned([list, "-", &id.get().to_string()].concat()))
}

/// The address of an action on one thing: `/requests/7/accept`, `/partnerships/3/end`.
pub fn action_path<T>(collection: &'static str, id: Id<T>, action: &'static str) -> Plain {
    Plain(Cow::Owned(["/", collection, "/", &id.get().to_string(), "/", action].concat()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{RequestId, UserId};

    /// What each constructor makes is left as it is by HTML escaping, at the extremes of its input.
    #[test]
    fn escaping_would_change_nothing_in_any_of_it() {
        let at = Timestamp::from_millis(1_795_676_400_250);
        let made = [
            Plain::words("just now"),
            Plain::counted("in ", i64::MIN, " days"),
            Plain::rfc3339(at),
            Plain::exact_minute(at),
            Plain::day_month(at),
            dom_id("incoming", RequestId::new(i64::MAX)),
            action_path("blocks", UserId::new(i64::MAX), "remove"),
        ];
        let escape = |text: &str| askama::filters::escape(text, askama::filters::Html).unwrap().to_string();
        assert_eq!(escape("<a&\"'>"), "&#60;a&#38;&#34;&#39;&#62;", "the pages' escaping");
        for plain in made {
            let text = plain.to_string();
            assert_eq!(escape(&text), text);
        }
    }

    #[test]
    fn ids_and_paths_read_as_the_pages_use_them() {
        assert_eq!(dom_id("incoming", RequestId::new(7)).to_string(), "incoming-7");
        assert_eq!(action_path("requests", RequestId::new(7), "accept").to_string(), "/requests/7/accept");
        assert_eq!(action_path("blocks", UserId::new(12), "remove").to_string(), "/blocks/12/remove");
    }
}
