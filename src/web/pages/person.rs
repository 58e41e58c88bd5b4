//! A user as the pages show one: name, e-mail and the initials of the round badge beside them.

use std::fmt;

use crate::domain::{User, UserId};

pub struct Person {
    pub id: UserId,
    pub name: Typed,
    pub email: Typed,
    pub initials: Typed,
}

impl From<User> for Person {
    fn from(user: User) -> Self {
        let name = user.name.into_string();
        let initials = Typed::new(initials(&name));
        Self { id: user.id, initials, name: Typed::new(name), email: Typed::new(user.email.into_string()) }
    }
}

/// Text someone typed (a name, an e-mail, a message), written into pages escaped. Whether it
/// holds any character that HTML escaping changes is checked once, when it is made: most text
/// holds none and is then copied as it is wherever a page shows it (a name up to four times in a
/// row), instead of being scanned byte by byte each time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    text: String,
    plain: bool,
}

impl Typed {
    pub fn new(text: String) -> Self {
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

/// Up to two letters: the first of the first and of the last word.
fn initials(name: &str) -> String {
    if name.is_ascii() {
        // Most names; the same rule over bytes, without decoding and case tables.
        let mut words = name.split_ascii_whitespace().filter_map(|w| w.bytes().find(u8::is_ascii_alphanumeric));
        let first = words.next();
        let last = words.next_back();
        return first.into_iter().chain(last).map(|b| char::from(b.to_ascii_uppercase())).collect();
    }
    let mut words = name.split_whitespace().filter_map(|w| w.chars().find(|c| c.is_alphanumeric()));
    let first = words.next();
    let last = words.next_back();
    first.into_iter().chain(last).flat_map(char::to_uppercase).collect()
}

#[cfg(test)]
mod tests {
    use super::{Typed, initials};

    #[test]
    fn typed_text_is_written_escaped_whether_or_not_it_needs_it() {
        assert_eq!(Typed::new("Alice Martin".into()).to_string(), "Alice Martin");
        assert_eq!(
            Typed::new(r#"<b>"Bo" & 'Al'</b>"#.into()).to_string(),
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
    }
}
