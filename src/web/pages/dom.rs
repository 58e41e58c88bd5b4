//! Element ids and action addresses built from fixed words and database ids. Each is made once
//! per row and then written as it is wherever the templates use it (an id appears up to ten
//! times in a row): nothing in them needs escaping, so no copy of them is scanned for `<` and `&`
//! (a dashboard has a few hundred of them). Each is joined from its pieces in one allocation:
//! `format!` cost more than the rest of the row's markup.

use crate::domain::Id;

/// The prefix of a row's element ids: `incoming-7`, then `incoming-7-name`, `incoming-7-err`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomId(String);

impl DomId {
    pub fn new<T>(list: &'static str, id: Id<T>) -> Self {
        Self([list, "-", itoa::Buffer::new().format(id.get())].concat())
    }
}

/// The address of an action on one thing: `/requests/7/accept`, `/partnerships/3/end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPath(String);

impl ActionPath {
    pub fn new<T>(collection: &'static str, id: Id<T>, action: &'static str) -> Self {
        Self(["/", collection, "/", itoa::Buffer::new().format(id.get()), "/", action].concat())
    }
}

/// Markup made by us, written into a page as it is: `Display`, askama's fast path, and no
/// escaping. For a newtype over a `String` whose text needs no escaping.
macro_rules! written_as_is {
    ($($ty:ty),*) => {$(
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::askama::FastWritable for $ty {
            fn write_into(
                &self,
                dest: &mut dyn ::std::fmt::Write,
                _: &dyn ::askama::Values,
            ) -> ::askama::Result<()> {
                Ok(dest.write_str(&self.0)?)
            }
        }

        impl ::askama::filters::HtmlSafe for $ty {}
    )*};
}
pub(super) use written_as_is;

written_as_is!(DomId, ActionPath);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{RequestId, UserId};

    #[test]
    fn ids_and_paths_read_as_the_pages_use_them() {
        assert_eq!(DomId::new("incoming", RequestId::new(7)).to_string(), "incoming-7");
        assert_eq!(ActionPath::new("requests", RequestId::new(7), "accept").to_string(), "/requests/7/accept");
        assert_eq!(ActionPath::new("blocks", UserId::new(12), "remove").to_string(), "/blocks/12/remove");
    }
}
