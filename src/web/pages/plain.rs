//! Text the pages write as it is, without HTML escaping: what our own code makes from fixed
//! words, numbers and times, which escaping could never change. A dashboard writes a few hundred
//! such values (a row's id up to ten times), and escaping each of them was the largest part of
//! rendering one; everything a user typed is still escaped.

use std::borrow::Cow;
use std::fmt;

use crate::domain::Id;

/// Text made by this module's functions or by [`Plain::ours`]; nothing in it needs escaping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain(Cow<'static, str>);

impl Plain {
    /// For text our code made from fixed words, numbers and formatted times, never from anything
    /// a user typed.
    pub fn ours(text: impl Into<Cow<'static, str>>) -> Self {
        Self(text.into())
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
    Plain::ours([list, "-", &id.get().to_string()].concat())
}

/// The address of an action on one thing: `/requests/7/accept`, `/partnerships/3/end`.
pub fn action_path<T>(collection: &'static str, id: Id<T>, action: &'static str) -> Plain {
    Plain::ours(["/", collection, "/", &id.get().to_string(), "/", action].concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{RequestId, UserId};

    #[test]
    fn ids_and_paths_read_as_the_pages_use_them() {
        assert_eq!(dom_id("incoming", RequestId::new(7)).to_string(), "incoming-7");
        assert_eq!(action_path("requests", RequestId::new(7), "accept").to_string(), "/requests/7/accept");
        assert_eq!(action_path("blocks", UserId::new(12), "remove").to_string(), "/blocks/12/remove");
    }
}
