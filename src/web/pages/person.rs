//! A user as the pages show one: name, e-mail and the initials of the round badge beside them.

use std::fmt;
use std::sync::Arc;

use super::dom::written_as_is;
use crate::domain::{User, UserId};

/// Made without copying the user's texts: they are shared with the store's kept users.
pub struct Person {
    pub id: UserId,
    pub name: Typed,
    pub email: Typed,
    pub initials: Initials,
}

impl From<&User> for Person {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            initials: Initials::of(user.name.as_str()),
            name: Typed::new(user.name.shared()),
            email: Typed::new(user.email.shared()),
        }
    }
}

/// Text someone typed (a name, an e-mail, a message), written into pages escaped. Whether it
/// holds any character that HTML escaping changes is checked once, when it is made: most text
/// holds none and is then copied as it is wherever a page shows it (a name up to four times in a
/// row), instead of being scanned byte by byte each time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    text: Arc<str>,
    plain: bool,
}

impl Typed {
    pub fn new(text: impl Into<Arc<str>>) -> Self {
        let text = text.into();
        let plain = !text.bytes().any(|b| matches!(b, b'"' | b'&' | b'\'' | b'<' | b'>'));
        Self { text, plain }
    }

    /// Writes the escaped text.
    fn write_to(&self, dest: &mut dyn fmt::Write) -> fmt::Result {
        if self.plain {
            dest.write_str(&self.text)
        } else {
            askama::filters::Escaper::write_escaped_str(&askama::filters::Html, dest, &self.text)
        }
    }
}

impl fmt::Display for Typed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

impl askama::FastWritable for Typed {
    fn write_into(&self, dest: &mut dyn fmt::Write, _: &dyn askama::Values) -> askama::Result<()> {
        Ok(self.write_to(dest)?)
    }
}

// It escapes itself, so templates must not escape it again.
impl askama::filters::HtmlSafe for Typed {}

/// The letters of the round badge: the first letter or digit of the first and of the last word,
/// upper-cased. Kept inline (two letters upper-case to at most six characters of four bytes), and
/// written as they are: letters and digits need no escaping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initials(arrayvec::ArrayString<24>);

impl Initials {
    pub fn of(name: &str) -> Self {
        let mut text = arrayvec::ArrayString::new();
        if name.is_ascii() {
            // Most names; the same rule over bytes, without decoding and case tables.
            let mut words = name.split_ascii_whitespace().filter_map(|w| w.bytes().find(u8::is_ascii_alphanumeric));
            let (first, last) = (words.next(), words.next_back());
            first.into_iter().chain(last).for_each(|b| text.push(char::from(b.to_ascii_uppercase())));
        } else {
            let mut words = name.split_whitespace().filter_map(|w| w.chars().find(|c| c.is_alphanumeric()));
            let (first, last) = (words.next(), words.next_back());
            // `try_push` cannot fail within the bound above; a longer case mapping would only shorten it.
            first.into_iter().chain(last).flat_map(char::to_uppercase).for_each(|c| _ = text.try_push(c));
        }
        Self(text)
    }
}

written_as_is!(Initials);

#[cfg(test)]
mod tests {
    use super::{Initials, Typed};

    fn initials(name: &str) -> String {
        Initials::of(name).to_string()
    }

    #[test]
    fn typed_text_is_written_escaped_whether_or_not_it_needs_it() {
        assert_eq!(Typed::new("Alice Martin").to_string(), "Alice Martin");
        assert_eq!(
            Typed::new(r#"<b>"Bo" & 'Al'</b>"#).to_string(),
            "&#60;b&#62;&#34;Bo&#34; &#38; &#39;Al&#39;&#60;/b&#62;"
        );
    }

    #[test]
    fn initials_take_first_and_last_word() {
        assert_eq!(initials("Alice Martin"), "AM");
        assert_eq!(initials("bob"), "B");
        assert_eq!(initials("Jean Claude van Damme"), "JD");
        assert_eq!(initials("<script>"), "S");
        assert_eq!(initials("  "), "");
        assert_eq!(initials("élodie Ørsted"), "ÉØ");
        assert_eq!(initials("straße 9"), "S9");
        // The longest case mappings (three characters each) still fit whole.
        assert_eq!(initials("\u{fb03}x \u{390}y"), "FFI\u{399}\u{308}\u{301}");
    }
}
